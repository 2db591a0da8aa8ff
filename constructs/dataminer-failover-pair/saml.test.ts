import { backupChanges } from './backup-changes';
import type { AgentFacts } from './facts';
import { externalAuthElements, metadataFiles, withExternalAuthOf } from './saml';
import { parseDataMinerVersion } from './versions';

const SAML = `<ExternalAuthentication type="SAML" ipMetadata="C:\\Skyline DataMiner\\ipMetadata.xml" spMetadata="C:\\Skyline DataMiner\\spMetadata.xml" timeout="300">
    <AutomaticUserCreation enabled="true"><EmailClaim>mail</EmailClaim></AutomaticUserCreation>
  </ExternalAuthentication>`;
const primaryXml = `<DataMiner id="7">\n  <NetworkAdapters><MAC>02-CF-18-00-0C-01</MAC></NetworkAdapters>\n  ${SAML}\n</DataMiner>\n`;

const facts = (f: Partial<AgentFacts>): AgentFacts => ({
  label: 'x',
  running: true,
  https: { enabled: false },
  brokerGateway: false,
  natsRepair: false,
  licence: true,
  unreadable: [],
  ...f,
});

describe('SAML on the pair', () => {
  it("reads the primary's external authentication and the local metadata files it names", () => {
    expect(externalAuthElements(primaryXml)).toEqual([SAML]);
    expect(metadataFiles(primaryXml)).toEqual({
      paths: ['C:\\Skyline DataMiner\\ipMetadata.xml', 'C:\\Skyline DataMiner\\spMetadata.xml'],
      unclear: [],
    });
    expect(
      metadataFiles(
        '<DataMiner><ExternalAuthentication ipMetadata="https://idp.example/metadata" spMetadata="sp.xml"/></DataMiner>',
      ),
    ).toEqual({ paths: [], unclear: ['sp.xml'] });
    expect(externalAuthElements('<DataMiner><AzureAD tenant="t"/><ExternalAuth/></DataMiner>')).toEqual([
      '<AzureAD tenant="t"/>',
      '<ExternalAuth/>',
    ]);
  });

  it("gives the backup the primary's elements in place of its own, once", () => {
    const backup =
      '<DataMiner id="9">\n  <ExternalAuthentication type="SAML" ipMetadata="old"/>\n  <Other/>\n</DataMiner>\n';
    const result = withExternalAuthOf(backup, primaryXml)!;
    expect(externalAuthElements(result)).toEqual([SAML]);
    expect(result).toContain('<Other/>');
    expect(result).not.toContain('ipMetadata="old"');
    expect(withExternalAuthOf(result, primaryXml)).toBeUndefined();
    expect(withExternalAuthOf('<DataMiner id="9"/>', primaryXml)).toBe(
      `<DataMiner id="9">${SAML}</DataMiner>`,
    );
    expect(withExternalAuthOf(backup, '<DataMiner id="7"/>')).toBeUndefined();
  });

  it('writes DataMiner.xml once with the ID and SAML, and copies each metadata file that differs', () => {
    const changes = backupChanges(
      facts({ id: 7, dataMinerXml: primaryXml }),
      facts({ id: 9, dataMinerXml: '<DataMiner id="9">\n</DataMiner>\n' }),
      { type: 'storage-as-a-service' },
      parseDataMinerVersion('10.5.0')!,
      new Map(),
      {
        metadataFiles: [
          { path: 'C:\\Skyline DataMiner\\ipMetadata.xml', primary: '<ip/>' },
          { path: 'C:\\Skyline DataMiner\\spMetadata.xml', primary: '<sp/>', backup: '<sp/>' },
        ],
      },
    );
    expect(changes.map((c) => [c.path, c.why])).toEqual([
      ['DataMiner.xml', "DataMiner ID 9 → 7; the primary's external authentication (SAML)"],
      [
        'C:\\Skyline DataMiner\\ipMetadata.xml',
        "the primary's SAML metadata C:\\Skyline DataMiner\\ipMetadata.xml",
      ],
    ]);
    expect(changes[0].content).toContain('<DataMiner id="7">');
    expect(externalAuthElements(changes[0].content)).toEqual([SAML]);
  });
});
