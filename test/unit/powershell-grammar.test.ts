import {
  ATOMIC_WRITE_PS,
  bindPowerShellVariables,
  quotePowerShell,
  READ_FILE_PS,
  REMOVE_FILE_PS,
} from '../../src/dialect/powershell';
import { SESSION_BOOTSTRAP_PS, SESSION_COMMAND_LINE, SESSION_PS } from '../../src/runner/powershell-session';
import * as WINDOWS_PRIMITIVES from '../../src/dialect/windows-primitives';
import { ALL_POWERSHELL_SCRIPTS as CASSANDRA_POWERSHELL_SCRIPTS } from '../../constructs/cassandra-two-node/commands';
import { PowerShellGrammar } from '../support/powershell-grammar';

const HOSTILE = [
  "it's",
  'C:\\Skyline DataMiner\\DataMiner.xml',
  '$(Remove-Item -Recurse C:\\)',
  '`n`0 ${env:PATH}',
  "'; Stop-Service SLDataMiner; '",
  '‘curly’ ‚low‛ quotes',
  'line one\nline two; exit 9',
  '@(1,2) | % { $_ }',
];

let grammar: PowerShellGrammar;
beforeAll(async () => {
  grammar = await PowerShellGrammar.load();
});

describe('the core PowerShell scripts, parsed by the PowerShell grammar', () => {
  it('the grammar rejects broken PowerShell (so a pass means something)', () => {
    expect(grammar.syntaxErrors('if ($x { exit 0 }')).not.toEqual([]);
  });

  it("the session bootstrap and the session parse, and the only command line stays far below cmd.exe's limit", () => {
    expect(grammar.syntaxErrors(SESSION_BOOTSTRAP_PS)).toEqual([]);
    expect(grammar.syntaxErrors(SESSION_PS)).toEqual([]);
    const decoded = Buffer.from(/-EncodedCommand (\S+)$/.exec(SESSION_COMMAND_LINE)![1], 'base64').toString(
      'utf16le',
    );
    expect(decoded).toBe(SESSION_BOOTSTRAP_PS);
    expect(SESSION_COMMAND_LINE.length).toBeLessThan(8191 / 2);
  });

  it.each(
    Object.entries({
      READ_FILE_PS,
      ATOMIC_WRITE_PS,
      REMOVE_FILE_PS,
      ...Object.fromEntries(Object.entries(WINDOWS_PRIMITIVES).filter(([name]) => name.endsWith('_PS'))),
    }),
  )('%s parses as sent', (_name, script) => {
    const sent = bindPowerShellVariables(script, {
      path: 'C:\\Skyline DataMiner\\DB.xml',
      suffix: '.bak',
      length: '3',
    });
    expect(grammar.syntaxErrors(sent)).toEqual([]);
  });

  it.each(HOSTILE)('the value %j stays one string literal: no error, no extra statement', (value) => {
    const plain = bindPowerShellVariables(ATOMIC_WRITE_PS, {
      path: 'C:\\x',
      suffix: '.bak',
      length: '3',
    });
    const sent = bindPowerShellVariables(ATOMIC_WRITE_PS, { path: value, suffix: '.bak', length: '3' });
    expect(grammar.syntaxErrors(sent)).toEqual([]);
    expect(grammar.topLevelStatements(sent)).toBe(grammar.topLevelStatements(plain));
    expect(
      grammar
        .nodeTypes(`$v = ${quotePowerShell(value)}`)
        .filter((t) => /expandable|sub_expression|command$/.test(t)),
    ).toEqual([]);
  });
});

describe('Windows PowerShell 5.1, the target', () => {
  it.each([
    '$a = $b ?? 1',
    '$a ??= 2',
    '$x = $c ? 1 : 2',
    '$x?.Name',
    'Get-Item a && Get-Item b',
    'Get-Item a || exit 1',
    'Get-ChildItem | ForEach-Object -Parallel { $_ }',
    'Get-Content -AsByteStream -LiteralPath $path',
    'Get-Content -AsByte -LiteralPath $path',
    '$o = $text | ConvertFrom-Json -AsHashtable',
    '$names | Join-String -Separator ","',
    'if ($IsWindows) { exit 0 }',
    'Test-Connection -TargetName $address -TcpPort 7000',
  ])('refuses the 7-only %j (so a pass means something)', (script) => {
    expect(grammar.windowsPowerShell51Problems(script)).not.toEqual([]);
  });

  it('accepts their 5.1 forms', () => {
    for (const script of [
      'if ($null -eq $b) { $a = 1 } else { $a = $b }',
      'Get-Content -Encoding Byte -LiteralPath $path',
      'Test-Connection -ComputerName $address -Count 2 -Quiet',
      "Write-Output 'a ?? b && c'",
    ])
      expect(grammar.windowsPowerShell51Problems(script)).toEqual([]);
  });

  const everyScript = {
    READ_FILE_PS,
    ATOMIC_WRITE_PS,
    REMOVE_FILE_PS,
    SESSION_BOOTSTRAP_PS,
    SESSION_PS,
    ...Object.fromEntries(Object.entries(WINDOWS_PRIMITIVES).filter(([name]) => name.endsWith('_PS'))),
    ...CASSANDRA_POWERSHELL_SCRIPTS,
  };

  it.each(Object.entries(everyScript))('%s keeps to 5.1', (_name, script) => {
    expect(grammar.windowsPowerShell51Problems(String(script))).toEqual([]);
  });
});
