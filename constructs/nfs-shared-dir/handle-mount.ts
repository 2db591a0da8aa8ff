/**
 * Mounting and unmounting the share on a client, as operations on the core's frame (src/frame):
 * the mount table at the mount point is the fact. NFS ignores most option changes on a remount,
 * so a share mounted with other options is unmounted and mounted again, never remounted. Neither
 * needs a pending marker: a half-done change (unmounted, not mounted again) shows in the mount table.
 */
import { StepFailure } from '../../src/errors';
import type { Fact } from '../../src/frame/fact';
import { Change, ChangeCall, change, noop, Operation, runOperation } from '../../src/frame/operation';
import type { ActionHandler } from '../../src/runner/action-handler';
import type { CommandResult, RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import type { MountAction, UnmountAction } from './actions';
import { mountShare, unmountPath } from './commands';
import { mountFact } from './facts';
import { MountEntry, mountDifferences } from './mount-options';

/** An action as an operation reads it: with the label of the host it runs on, for its messages. */
type OnHost<A> = A & { readonly hostLabel: string };
type MountFacts = { current: Fact<MountEntry | undefined> };

const nothingMounted = (mountPath: string) => `nothing is mounted at ${mountPath}`;

/** umount, failing with what to stop when something still uses the share. */
function unmountCall(mountPath: string, why: string): ChangeCall {
  return {
    command: unmountPath(mountPath),
    failure: (result: CommandResult, host: RemoteHost) => {
      const detail = tail(result.stderr || result.stdout, 3);
      const busy = /busy/i.test(detail)
        ? ' Something still uses it: stop the application on that host (for a data aggregator, `dadaemon stop`), then deploy again.'
        : '';
      return `cannot unmount ${mountPath} on ${host.label} ${why} (exit ${result.code}): ${detail}.${busy}`;
    },
  };
}

function mountCall(action: MountAction): ChangeCall {
  return {
    command: mountShare(action.exportSource, action.mountPath, action.options),
    failure: (result, host) => {
      const detail = tail(result.stderr || result.stdout);
      return `mounting ${action.exportSource} at ${action.mountPath} failed on ${host.label} (exit ${result.code})${detail ? `:\n${detail}` : '.'}`;
    },
  };
}

/** The share mounted afresh, or unmounted and mounted again when it differs from the wanted mount. */
function mountChange(action: MountAction, current: MountEntry | undefined, differences: string[]): Change {
  if (!current)
    return {
      description: `mounted ${action.exportSource} at ${action.mountPath}`,
      intent: 'mount',
      reason: nothingMounted(action.mountPath),
      calls: [mountCall(action)],
    };
  const why = differences.join('; ');
  return {
    description: `unmounted and mounted again (${why})`,
    intent: `unmount and mount again: ${why}`,
    reason: why,
    calls: [
      unmountCall(action.mountPath, `to mount it again with the wanted options (${why})`),
      mountCall(action),
    ],
  };
}

export const MOUNT_OPERATION: Operation<OnHost<MountAction>, MountFacts> = {
  facts: (action) => ({ current: mountFact(action.mountPath, action.hostLabel) }),
  decide: ({ current }, action) => {
    const differences = current
      ? mountDifferences(current, {
          source: action.exportSource,
          nfsVersion: action.nfsVersion,
          extraOptions: action.extraOptions,
        })
      : [];
    if (current && differences.length === 0) return noop('the share is mounted with the wanted options');
    if (current && (current.source !== action.exportSource || !['nfs', 'nfs4'].includes(current.fstype))) {
      throw new StepFailure(
        `${action.mountPath} on ${action.hostLabel} is the mount point of ${current.source} (${current.fstype}) now; unmount it there or choose another mountPath. It was left mounted.`,
      );
    }
    return change(mountChange(action, current, differences));
  },
  notHeld: (after, action, host) => {
    const reason = after.changes.map((c) => c.reason).join('; ');
    return reason === nothingMounted(action.mountPath)
      ? `mount reported success on ${host.label}, but nothing is mounted at ${action.mountPath}.`
      : `${action.exportSource} is mounted at ${action.mountPath} on ${host.label}, but ${reason}. Check that the server offers NFS ${action.nfsVersion} and accepts these options.`;
  },
};

export const mount: ActionHandler<MountAction> = (action, context) =>
  runOperation(MOUNT_OPERATION, { ...action, hostLabel: context.host.label }, context);

/** Removal: unmounts the share if it is mounted there; leaves any other mount and all data alone. */
export const UNMOUNT_OPERATION: Operation<OnHost<UnmountAction>, MountFacts> = {
  facts: (action) => ({ current: mountFact(action.mountPath, action.hostLabel) }),
  decide: ({ current }, action) => {
    if (!current) return noop(nothingMounted(action.mountPath));
    if (current.source !== action.exportSource)
      return noop(`left ${current.source} mounted: it is not this share`);
    return change({
      description: `unmounted ${action.exportSource} from ${action.mountPath}`,
      intent: 'unmount',
      reason: `${action.exportSource} is still mounted at ${action.mountPath}`,
      calls: [unmountCall(action.mountPath, 'to remove the shared directory from this host')],
    });
  },
  notHeld: (after, _action, host) =>
    `umount ran on ${host.label}, but ${after.changes.map((c) => c.reason).join('; ')} (mounted there more than once): unmount it there until findmnt shows nothing, then deploy again.`,
};

export const unmountShare: ActionHandler<UnmountAction> = (action, context) =>
  runOperation(UNMOUNT_OPERATION, { ...action, hostLabel: context.host.label }, context);
