/**
 * Mounting and unmounting the share on a client. NFS ignores most option changes on a remount, so
 * a share mounted with other options is unmounted and mounted again, never remounted.
 */
import { StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import type { MountAction, UnmountAction } from './actions';
import { mountDifferences, WantedMount } from './mount-options';
import { readMount } from './facts';

async function unmount(host: RemoteHost, mountPath: string, why: string): Promise<void> {
  const result = await host.run({ argv: ['umount', mountPath] });
  if (result.code !== 0) {
    const detail = tail(result.stderr || result.stdout, 3);
    const busy = /busy/i.test(detail)
      ? ' Something still uses it: stop the application on that host (for a data aggregator, `dadaemon stop`), then deploy again.'
      : '';
    throw new StepFailure(
      `cannot unmount ${mountPath} on ${host.label} ${why} (exit ${result.code}): ${detail}.${busy}`,
    );
  }
}

export const mount: ActionHandler<MountAction> = async (action, context) => {
  const { host } = context;
  const wanted: WantedMount = {
    source: action.exportSource,
    nfsVersion: action.nfsVersion,
    extraOptions: action.extraOptions,
  };
  const current = await readMount(host, action.mountPath);
  const differences = current ? mountDifferences(current, wanted) : [];
  if (current && differences.length === 0) return { changed: false };
  if (current && (current.source !== action.exportSource || !['nfs', 'nfs4'].includes(current.fstype))) {
    throw new StepFailure(
      `${action.mountPath} on ${host.label} is the mount point of ${current.source} (${current.fstype}) now; unmount it there or choose another mountPath. It was left mounted.`,
    );
  }
  if (context.checkOnly)
    return {
      changed: true,
      detail: current ? `would unmount and mount again: ${differences.join('; ')}` : 'would mount',
    };
  await context.aboutToChange();
  if (current)
    await unmount(
      host,
      action.mountPath,
      `to mount it again with the wanted options (${differences.join('; ')})`,
    );
  await host.runOrFail(
    { argv: ['mount', '-t', 'nfs4', '-o', action.options.join(','), action.exportSource, action.mountPath] },
    `mounting ${action.exportSource} at ${action.mountPath}`,
  );
  const after = await readMount(host, action.mountPath);
  if (!after)
    throw new StepFailure(
      `mount reported success on ${host.label}, but nothing is mounted at ${action.mountPath}.`,
    );
  const remaining = mountDifferences(after, wanted);
  if (remaining.length > 0) {
    throw new StepFailure(
      `${action.exportSource} is mounted at ${action.mountPath} on ${host.label}, but ${remaining.join('; ')}. Check that the server offers NFS ${action.nfsVersion} and accepts these options.`,
    );
  }
  return {
    changed: true,
    ...(current ? { detail: `unmounted and mounted again (${differences.join('; ')})` } : {}),
  };
};

/** Removal: unmounts the share if it is mounted there; leaves any other mount and all data alone. */
export const unmountShare: ActionHandler<UnmountAction> = async (action, context) => {
  const { host } = context;
  const current = await readMount(host, action.mountPath);
  if (!current) return { changed: false };
  if (current.source !== action.exportSource)
    return { changed: false, detail: `left ${current.source} mounted: it is not this share` };
  if (context.checkOnly) return { changed: true, detail: 'would unmount' };
  await context.aboutToChange();
  await unmount(host, action.mountPath, 'to remove the shared directory from this host');
  return { changed: true };
};
