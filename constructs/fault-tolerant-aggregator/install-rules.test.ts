/** "Installed" means a verified install: the completion record, written only after verification. */
import { installDecision, installRecordLine, installVerified, UNFINISHED_INSTALL } from './install-rules';

const installer = { version: '24.3.0', allowUpgrade: false, installDirectory: '/opt/IMDataAggregator' };

describe('install decisions from the completion record and the directory', () => {
  it('installs where neither the directory nor a record is there', () => {
    expect(installDecision(installer, false, undefined, false)).toEqual({ kind: 'install' });
  });

  it('refuses a directory without a record (a half-failed install), naming both ways out and never deleting it', () => {
    const decision = installDecision(installer, false, '24.3.0', true);
    expect(decision).toEqual({
      kind: 'refuse',
      reason:
        'not installed completely: /opt/IMDataAggregator exists, but this construct holds no record of a verified install there (an installer that failed midway, or an install made by hand). Set installer.allowUpgrade to run the installer over it, or clean the directory up yourself; it is never deleted by this construct',
    });
  });

  it('runs the installer over a directory without a record with allowUpgrade', () => {
    expect(installDecision({ ...installer, allowUpgrade: true }, false, undefined, true)).toEqual({
      kind: 'upgrade',
      from: UNFINISHED_INSTALL,
    });
  });

  it('leaves a recorded install at the wanted version, and upgrades or refuses another', () => {
    expect(installDecision(installer, true, '24.3.0', true)).toEqual({
      kind: 'leave',
      reason: 'installed at 24.3.0',
    });
    expect(installDecision(installer, true, '23.3.0', true).kind).toBe('refuse');
    expect(installDecision({ ...installer, allowUpgrade: true }, true, '23.3.0', true)).toEqual({
      kind: 'upgrade',
      from: '23.3.0',
    });
  });
});

describe('an install is verified before it is recorded', () => {
  it('takes the installer at its word when there is no version command or no declared version', () => {
    expect(installVerified('24.3.0', false, undefined)).toEqual({ ok: true });
    expect(installVerified(undefined, true, '1.0')).toEqual({ ok: true });
  });

  it('needs the version command to print the declared version', () => {
    expect(installVerified('24.3.0', true, '24.3.0')).toEqual({ ok: true });
    expect(installVerified('24.3.0', true, '23.3.0')).toEqual({
      ok: false,
      problem: 'versionCommand prints 23.3.0, not 24.3.0',
    });
    expect(installVerified('24.3.0', true, undefined)).toEqual({
      ok: false,
      problem: 'versionCommand printed no version, so 24.3.0 cannot be verified',
    });
  });

  it('records the version and the time in one line, as parseInstallRecord reads it', () => {
    const at = new Date('2026-11-24T10:10:10.123Z');
    expect(installRecordLine('24.3.0', at)).toBe('24.3.0 20261124T101010Z\n');
    expect(installRecordLine(undefined, at)).toBe('- 20261124T101010Z\n');
  });
});
