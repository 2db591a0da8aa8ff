import {
  parseRedirects,
  planRedirects,
  redirectLike,
  redirectProblems,
  redirectXml,
  withRedirect,
} from './redirects';

const PRIMARY = '10.4.2.92';
const BACKUP = '10.4.2.93';
const OTHER = '10.4.2.94';

const dms = (redirects: string) =>
  `<DMS errorTime="30000" xmlns="http://www.skyline.be/config/dms">\r\n  <Cluster name="pluto"/>\r\n  <DMA ip="${PRIMARY}" timestamp=""/>\r\n${redirects}</DMS>\r\n`;
const primaryDms = dms(
  `  <Redirects>\r\n    <Redirect to="${OTHER}" via="https://${OTHER}/APIGateway" user="MyUser" pwd="{token}"/>\r\n  </Redirects>\r\n`,
);

describe('DMS.xml redirects between the Failover agents', () => {
  it('reads the redirects, and shapes a new one like them', () => {
    expect(parseRedirects(primaryDms)).toEqual([
      { to: OTHER, via: `https://${OTHER}/APIGateway`, user: 'MyUser' },
    ]);
    expect(redirectLike(parseRedirects(primaryDms), BACKUP)).toEqual({
      to: BACKUP,
      via: `https://${BACKUP}/APIGateway`,
      user: 'MyUser',
    });
    expect(redirectLike([{ to: OTHER, via: `https://${OTHER}:8443/APIGateway/` }], BACKUP).via).toBe(
      `https://${BACKUP}:8443/APIGateway/`,
    );
    expect(redirectLike([], BACKUP)).toEqual({ to: BACKUP, via: `https://${BACKUP}/APIGateway` });
  });

  it('a primary without redirects needs none', () => {
    expect(planRedirects(dms(''), dms(''), PRIMARY, BACKUP)).toEqual({ used: false });
  });

  it("quotes the primary's missing line and never plans to write it; the backup's is planned", () => {
    const plan = planRedirects(primaryDms, dms(''), PRIMARY, BACKUP);
    expect(plan.primaryMissing).toEqual({ to: BACKUP, via: `https://${BACKUP}/APIGateway`, user: 'MyUser' });
    expect(plan.backupMissing).toEqual({ to: PRIMARY, via: `https://${PRIMARY}/APIGateway`, user: 'MyUser' });
    const problems = redirectProblems(plan, { primary: 'dma-a', backup: 'dma-b' }, undefined);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain(
      `Add <Redirect to="${BACKUP}" via="https://${BACKUP}/APIGateway" user="MyUser" pwd="(that user’s password)"/> to the primary's <Redirects>`,
    );
    expect(problems[0]).toContain('the construct never writes the primary');
    expect(problems[1]).toContain('set redirectPasswordEnv');
    expect(redirectProblems(plan, { primary: 'dma-a', backup: 'dma-b' }, 'REDIRECT_PW')).toHaveLength(1);
  });

  it('is satisfied once each agent has a redirect to the other', () => {
    const both = primaryDms.replace(
      '  </Redirects>',
      `    <Redirect to="${BACKUP}" via="https://${BACKUP}/APIGateway" user="MyUser" pwd="{t}"/>\r\n  </Redirects>`,
    );
    const backup = withRedirect(dms(''), redirectXml(redirectLike(parseRedirects(both), PRIMARY), 's3cr&t'));
    expect(planRedirects(both, backup, PRIMARY, BACKUP)).toEqual({ used: true });
  });

  it('adds the line inside <Redirects>, or makes <Redirects>, escaping the password and keeping CRLF', () => {
    const line = redirectXml({ to: PRIMARY, via: `https://${PRIMARY}/APIGateway`, user: 'MyUser' }, 'a"<&b');
    expect(line).toBe(
      `<Redirect to="${PRIMARY}" via="https://${PRIMARY}/APIGateway" user="MyUser" pwd="a&quot;&lt;&amp;b"/>`,
    );
    const made = withRedirect(dms(''), line);
    expect(made).toBe(
      `<DMS errorTime="30000" xmlns="http://www.skyline.be/config/dms">\r\n  <Cluster name="pluto"/>\r\n  <DMA ip="${PRIMARY}" timestamp=""/>\r\n  <Redirects>\r\n    ${line}\r\n  </Redirects>\r\n</DMS>\r\n`,
    );
    const added = withRedirect(primaryDms, line);
    expect(parseRedirects(added).map((r) => r.to)).toEqual([OTHER, PRIMARY]);
    expect(added.split('\r\n').every((l) => !l.includes('\n'))).toBe(true);
    expect(parseRedirects(withRedirect(dms('  <Redirects/>\r\n'), line)).map((r) => r.to)).toEqual([PRIMARY]);
  });
});
