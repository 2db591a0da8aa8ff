/** The data repository answers both aggregators, and accepts the credentials when a check is given. */
import { problemList, StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import { redactSecret, secretFromEnv } from '../../src/runner/credentials';
import { problemsOnHost } from '../../src/runner/host-problems';
import { tail } from '../../src/runner/remote-host';
import { hostLabel } from '../../src/schema/host';
import type { DataRepositoryAction } from './actions';
import { dataRepositoryPath } from './network-paths';
import { checkPaths } from './probe-paths';

export const dataRepository: ActionHandler<DataRepositoryAction> = async (action, context) => {
  const paths = action.aggregators.map((from) => dataRepositoryPath(from, action.address, action.port));
  const problems = await checkPaths(paths, (h) => context.connect(h));
  if (action.checkCommand && problems.length === 0) {
    const password = secretFromEnv(
      action.passwordEnv,
      'databaseCredentials.passwordEnv, the data repository password',
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
                    redactSecret(r.stderr || r.stdout, password),
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
