import { editLines } from '../../src/edit/lines';
import { setIniValues } from '../../src/edit/ini';
import { getXmlValue, setXmlValues } from '../../src/edit/xml';
import { getYamlValue, setYamlValues } from '../../src/edit/yaml';

describe('line edits', () => {
  const fstab = '# /etc/fstab\r\nUUID=1 / ext4 defaults 0 1\n\n/dev/sdb1 /data xfs noatime 0 2';

  it('appends a missing line and keeps every other byte, including CRLF and a missing final newline', () => {
    const out = editLines(fstab, { line: 'nas:/x /mnt/x nfs4 hard 0 0', match: '\\s/mnt/x\\s' });
    expect(out).toBe(`${fstab}\nnas:/x /mnt/x nfs4 hard 0 0\n`);
  });

  it('replaces the selected line in place and drops duplicates of it', () => {
    const src = 'a\nold /mnt/x 1\nb\nold /mnt/x 2\n';
    expect(editLines(src, { line: 'new /mnt/x', match: '\\s/mnt/x(\\s|$)' })).toBe('a\nnew /mnt/x\nb\n');
  });

  it('is idempotent', () => {
    const once = editLines(fstab, { line: 'x /y z' });
    expect(editLines(once, { line: 'x /y z' })).toBe(once);
  });

  it('removes selected lines when absent', () => {
    expect(editLines('a\nb\nc\n', { line: '', match: '^b$', state: 'absent' })).toBe('a\nc\n');
  });

  it('creates content for a missing file and refuses lines with breaks', () => {
    expect(editLines(undefined, { line: 'x' })).toBe('x\n');
    expect(() => editLines('', { line: 'a\nb' })).toThrow(/line break/);
  });
});

describe('INI edits', () => {
  const nfsConf =
    '# nfs.conf\n[general]\n# pipefs-directory=/run/rpc_pipefs\n[nfsd]\n# threads=8\n vers3 = y\nvers4.1=y\n\n[mountd]\nmanage-gids=y\n';

  it('changes only the value, keeping spacing, comments and other keys', () => {
    const out = setIniValues(nfsConf, [{ key: 'nfsd.vers3', value: 'n' }]);
    expect(out).toBe(nfsConf.replace(' vers3 = y', ' vers3 = n'));
  });

  it('splits section and key at the first dot', () => {
    expect(setIniValues(nfsConf, [{ key: 'nfsd.vers4.1', value: 'n' }])).toContain('vers4.1=n\n\n[mountd]');
  });

  it('adds a missing key at the end of its section and a missing section at the end', () => {
    const out = setIniValues(nfsConf, [
      { key: 'mountd.port', value: '20048' },
      { key: 'idmap.Domain', value: 'example.com' },
    ]);
    expect(out).toBe(
      nfsConf.replace('manage-gids=y\n', 'manage-gids=y\nport = 20048\n') +
        '\n[idmap]\nDomain = example.com\n',
    );
    const withDomain = setIniValues('[General]\nVerbosity = 0\n\n[Mapping]\nNobody-User = nobody\n', [
      { key: 'general.Domain', value: 'x' },
    ]);
    expect(withDomain).toBe('[General]\nVerbosity = 0\nDomain = x\n\n[Mapping]\nNobody-User = nobody\n');
  });

  it('is idempotent and creates a file from nothing', () => {
    const once = setIniValues(undefined, [{ key: 'pair.peer', value: '10.0.0.2' }]);
    expect(once).toBe('[pair]\npeer = 10.0.0.2\n');
    expect(setIniValues(once, [{ key: 'pair.peer', value: '10.0.0.2' }])).toBe(once);
  });
});

describe('YAML edits', () => {
  const yaml = [
    '# Cassandra storage config YAML',
    "cluster_name: 'Test Cluster'   # the name of the cluster",
    'num_tokens: 256',
    'unknown_future_key: {a: 1, b: [x, y]}',
    'seed_provider:',
    '    - class_name: org.apache.cassandra.locator.SimpleSeedProvider',
    '      parameters:',
    '          # seeds is actually a comma-delimited list of addresses.',
    '          - seeds: "127.0.0.1:7000"',
    'listen_address: localhost',
    '# rpc_address: localhost',
    'endpoint_snitch: SimpleSnitch',
    '',
  ].join('\n');

  it('splices new values in, keeping comments, quoting style and unknown keys byte for byte', () => {
    const out = setYamlValues(yaml, [
      { key: 'cluster_name', value: 'Prod Ring' },
      { key: 'seed_provider[0].parameters[0].seeds', value: '10.0.0.1,10.0.0.2' },
      { key: 'listen_address', value: '10.0.0.1' },
    ]);
    expect(out).toBe(
      yaml
        .replace("'Test Cluster'", "'Prod Ring'")
        .replace('"127.0.0.1:7000"', '"10.0.0.1,10.0.0.2"')
        .replace('listen_address: localhost', 'listen_address: 10.0.0.1'),
    );
  });

  it('appends a missing top-level key and a missing nested key at the right indentation', () => {
    const out = setYamlValues(yaml, [
      { key: 'rpc_address', value: '0.0.0.0' },
      { key: 'seed_provider[0].parameters[0].extra', value: 'x' },
    ]);
    expect(out.endsWith('endpoint_snitch: SimpleSnitch\nrpc_address: 0.0.0.0\n')).toBe(true);
    expect(getYamlValue(out, 'seed_provider[0].parameters[0].extra')).toBe('x');
    expect(getYamlValue(out, 'seed_provider[0].parameters[0].seeds')).toBe('127.0.0.1:7000');
  });

  it('quotes values that would otherwise read back as another type', () => {
    const out = setYamlValues('a: x\n', [
      { key: 'a', value: 'true' },
      { key: 'b', value: '256' },
    ]);
    expect(getYamlValue(out, 'a')).toBe('true');
    expect(getYamlValue(out, 'b')).toBe('256');
    expect(getYamlValue(setYamlValues(out, [{ key: 'n', value: 16 }]), 'n')).toBe(16);
  });

  it('writes lists and is idempotent', () => {
    const out = setYamlValues(yaml, [{ key: 'data_file_directories', value: ['/var/lib/cassandra/data'] }]);
    expect(getYamlValue(out, 'data_file_directories')).toEqual(['/var/lib/cassandra/data']);
    expect(setYamlValues(out, [{ key: 'data_file_directories', value: ['/var/lib/cassandra/data'] }])).toBe(
      out,
    );
  });

  it('refuses a file that does not parse and a path through a missing parent', () => {
    expect(() => setYamlValues('a: [\n', [{ key: 'a', value: 'x' }])).toThrow(/does not parse/);
    expect(() => setYamlValues('a: 1\n', [{ key: 'b.c', value: 'x' }])).toThrow(/parent is missing/);
  });
});

describe('XML edits', () => {
  const xml = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<!-- managed by hand: <DataMiner id="1"> in a comment is not an element -->',
    '<DataMiner id=\'7\' xmlns="http://www.skyline.be/config/dataminer">',
    '  <NetworkAdapters><Adapter>Ethernet 1</Adapter></NetworkAdapters>',
    '  <ExternalAuth type="SAML"><![CDATA[<raw>]]></ExternalAuth>',
    '  <Empty/>',
    '</DataMiner>',
    '',
  ].join('\n');

  it('changes an attribute, keeping its quote style and every other byte', () => {
    expect(setXmlValues(xml, [{ key: 'DataMiner@id', value: '12' }])).toBe(xml.replace("id='7'", "id='12'"));
    expect(getXmlValue(xml, 'DataMiner@id')).toBe('7');
  });

  it('sets element text (escaped), fills a self-closing element, adds a missing child', () => {
    const out = setXmlValues(xml, [
      { key: 'DataMiner/NetworkAdapters/Adapter', value: 'A & B' },
      { key: 'DataMiner/Empty', value: '<x>' },
      { key: 'DataMiner/Added', value: 'y' },
    ]);
    expect(out).toContain('<Adapter>A &amp; B</Adapter>');
    expect(out).toContain('<Empty>&lt;x&gt;</Empty>');
    expect(out).toContain('  <Added>y</Added>\n</DataMiner>');
    expect(getXmlValue(out, 'DataMiner/NetworkAdapters/Adapter')).toBe('A & B');
    expect(setXmlValues(out, [{ key: 'DataMiner/Added', value: 'y' }])).toBe(out);
  });

  it('addresses the nth same-named sibling', () => {
    const db =
      '<DataBases><DataBase><DBServer>a</DBServer></DataBase><DataBase><DBServer>b</DBServer></DataBase></DataBases>';
    expect(getXmlValue(db, 'DataBases/DataBase[2]/DBServer')).toBe('b');
    expect(setXmlValues(db, [{ key: 'DataBases/DataBase[2]/DBServer', value: 'c' }])).toBe(
      db.replace('>b<', '>c<'),
    );
  });

  it('refuses malformed documents and wrong roots', () => {
    expect(() => setXmlValues('<A><B></A>', [{ key: 'A@x', value: '1' }])).toThrow(/unexpected <\/A>/);
    expect(() => setXmlValues(xml, [{ key: 'Other@id', value: '1' }])).toThrow(/root element is <DataMiner>/);
  });
});
