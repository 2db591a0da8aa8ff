/**
 * The command a step's `local-exec` provisioner runs: the bundled runner under Node.js. Where
 * Terraform runs remotely (HCP Terraform's default workers, a slim CI image) Node.js is often
 * missing, and `sh` would only say "node: not found": the command looks for it first (a shell
 * builtin, no measurable cost) and, without it, ends the step at once with one sentence that names
 * what is missing, where, and the fixes.
 */
import type { Construct } from 'constructs';

/** App context key naming the Node.js executable the provisioners run (default `node`). */
export const NODE_CONTEXT_KEY = 'cdktf-failover:node';

/** A command word or path, optionally with plain arguments: nothing the shell would expand. */
const NODE_COMMAND = /^[\w./+=:@-]+( [\w./+=:@-]+)*$/;

/** The Node.js command of the app context, checked: it is written into a shell command line. */
export function nodeCommandOf(scope: Construct): string {
  const value: unknown = scope.node.tryGetContext(NODE_CONTEXT_KEY) ?? 'node';
  if (typeof value !== 'string' || !NODE_COMMAND.test(value))
    throw new Error(
      `App context "${NODE_CONTEXT_KEY}" is ${JSON.stringify(value)}; expected the Node.js executable, a name or a path such as /opt/node20/bin/node (letters, digits and ./+=:@- only).`,
    );
  return value;
}

/** Exit status of a step whose runner could not start: the shell's own "command not found". */
export const RUNNER_NOT_FOUND_STATUS = 127;

/** The sentence a step prints when `node` is missing; `$(uname -n)` names the machine. */
export function missingNodeMessage(node: string): string {
  return `cdktf-failover: the step runner needs Node.js 20 or later where terraform runs, and ${node} is not found on this machine ($(uname -n 2>/dev/null)): use a runner or agent image with Node.js 20+, run the workspace in local execution mode, or name the Node.js executable with the ${NODE_CONTEXT_KEY} context key`;
}

/** `sh -c` text of the provisioner; `${path.module}` is Terraform's, the rest the shell's. */
export function runnerCommand(node: string, runnerPath: string): string {
  const first = node.split(' ')[0];
  return `command -v ${first} >/dev/null 2>&1 || { echo "${missingNodeMessage(node)}" >&2; exit ${RUNNER_NOT_FOUND_STATUS}; }; exec ${node} "\${path.module}/${runnerPath}"`;
}
