/**
 * The answers the NetOps emulator's `dadaemon status` can give, one per plausible wording (the
 * vendor's text is not public, so the library is tested against each). The emulator's
 * netops/dadaemon.py prints exactly these (test/unit/lab-emulators.test.ts and
 * test/e2e/fault-tolerant-aggregator-emulators.test.ts check it); the construct's unit tests read
 * them from here, so both sides agree on every byte. No lab import: unit tests load this file.
 */

/** Chosen per host with `daStatusFormat` (setup.ts), the knob file `knobs/da-status-format`. */
export const DA_STATUS_FORMATS = ['line', 'word', 'systemd', 'empty'] as const;
export type DaStatusFormat = (typeof DA_STATUS_FORMATS)[number];

/** The emulator's default: one line naming the state. */
export const DEFAULT_DA_STATUS_FORMAT: DaStatusFormat = 'line';

/** A stand-in PID for tests that do not read the emulator's own. */
export const SAMPLE_PID = 4242;

export interface DaStatusAnswer {
  readonly stdout: string;
  readonly code: number;
}

/** systemctl's ASCII bullet: the runner's shell runs with LC_ALL=C. */
const SYSTEMD_HEAD = [
  '* dadaemon.service - CA Data Aggregator',
  '   Loaded: loaded (/etc/systemd/system/dadaemon.service; enabled; vendor preset: disabled)',
];

/**
 * What `dadaemon status` prints: `state` for a DA that is in one (Active, Inactive, Maintenance,
 * Failed), `undefined` for one that does not run at all. Only the Active one runs the DA process
 * (KB 106988: an Inactive DA "will not start on that server"), so systemd, which sees the process
 * and not the role, says `inactive (dead)` for the standby. `pid` is the DA process's.
 */
export function daStatusAnswer(
  format: DaStatusFormat,
  state: string | undefined,
  pid = SAMPLE_PID,
): DaStatusAnswer {
  const running = state === 'Active';
  switch (format) {
    case 'line':
      return state === undefined
        ? { stdout: 'Data Aggregator is not running\n', code: 3 }
        : { stdout: `Data Aggregator status: ${state}\n`, code: 0 };
    case 'word':
      return state === undefined
        ? { stdout: 'Data Aggregator is not running\n', code: 3 }
        : { stdout: `${state}\n`, code: 0 };
    case 'systemd':
      // systemd knows whether the DA process runs, not which role the DA has.
      return running
        ? {
            stdout: [...SYSTEMD_HEAD, '   Active: active (running)', ` Main PID: ${pid} (java)`, ''].join(
              '\n',
            ),
            code: 0,
          }
        : { stdout: [...SYSTEMD_HEAD, '   Active: inactive (dead)', ''].join('\n'), code: 3 };
    case 'empty':
      return { stdout: '', code: state === undefined ? 3 : 0 };
  }
}
