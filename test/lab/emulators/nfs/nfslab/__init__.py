"""
The NFS surface of a lab host, installed as /lab/lib/python/nfslab and run by ../nfs-lab.py under
the names of the commands it emulates:

  exportfs   (server) reads /etc/exports and /etc/exports.d/*.exports, keeps the applied export
             table in /var/lib/nfs/etab (as nfs-utils does) and prints it as `exportfs -v` does.
  systemctl  (server) `restart nfs-server` takes /etc/nfs.conf's [nfsd] versions into effect.
  mount      (client) `mount -t nfs4 -o OPTS SERVER:/PATH TARGET` bind-mounts the directory the
             server exports, so files and locks are really shared, and records the NFS mount.
  umount     (client) unmounts an emulated NFS mount and forgets it.
  findmnt    (client) answers for emulated NFS mounts as for real ones (fstype nfs4, kernel options).

Anything that is not about NFS goes to the real command in /usr/bin.

Modules: exports (exports(5) options, the exports files, the etab, which clients an export admits),
fabric (what a server publishes to its clients), server (exportfs, systemctl), client (mount,
umount), findmnt, host (the host's NFS files; printing, failing, running programs) and text (how
text is split, trimmed and measured).

Host-local state (restored by the lab's host reset):
  /var/lib/nfs/etab                  the applied export table
  /var/lib/lab-nfs/nfsd-versions     the versions nfsd serves ("-2 +3 +4 +4.1 +4.2")
  /var/lib/lab-nfs/published.json    the export directories bind-mounted on the fabric
  /var/lib/lab-nfs/nfs-server.log    one line per start, restart or reload of nfs-server
  /var/lib/lab-nfs/mounts.json       the emulated NFS mounts of a client, with their options
Shared by every host (see fabric):
  /lab/nfs/<server address>/         etab, nfsd-versions, root/<export path>
"""
