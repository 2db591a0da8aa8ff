/** The data repository answers both aggregators, and accepts the credentials when a check is given. */
import { problemList, StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import { problemsOnHost } from '../../src/runner/host-problems';
import { tail } from '../../src/runner/remote-host';
import { hostLabel } from '../../src/schema/host';
import type { DataRepositoryAction, NetworkPath } from './actions';
import { checkPaths } from './probe-paths';

export const dataRepository: ActionHandler<DataRepositoryAction> = async (action, context) => {
  const paths = action.aggregators.map((from): NetworkPath => ({
    from,
    toAddress: action.address,
    toLabel: `the data repository ${action.address}`,
    protocol: 'tcp',
    port: action.port,
    purpose: 'data repository (Vertica) client connections',
  }));
  const problems = await checkPaths(paths, (h) => context.connect(h));
  if (action.checkCommand && problems.length === 0) {
    const password = process.env[action.passwordEnv];
    if (password === undefined || password === '')
      throw new StepFailure(
        `the environment variable ${action.passwordEnv} (databaseCredentials.passwordEnv) is not set on the machine that runs terraform`,
      );
    const command = action.checkCommand;
    const results = await Promise.all(
      action.aggregators.map((aggregator) =>
        problemsOnHost(
          aggregator,
          (h) => context.connect(h),
          async (host) => {
            const r = await host.run({ argv: command }, password);
            return r.code === 0
              ? []
              : [
                  `${hostLabel(aggregator)}: the data repository refused the credentials of the check command (exit ${r.code}): ${tail(
                    (r.stderr || r.stdout).split(password).join('********'),
                    3,
                  )}`,
                ];
          },
        ),
      ),
    );
    problems.push(...results.flat());
  }
  if (problems.length > 0)
    throw new StepFailure(problemList('the data repository is not ready for the aggregators:', problems));
  return {
    changed: false,
    detail: `${action.address}:${action.port} answers both aggregators${action.checkCommand ? ' and accepts the credentials' : ''}`,
  };
};
