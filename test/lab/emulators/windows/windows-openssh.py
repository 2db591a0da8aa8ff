#!/usr/bin/python3
"""
The lab's stand-in for what lies between Windows OpenSSH and PowerShell on a Windows host:
`cmd.exe /c <command line>` and `powershell.exe`. Installed as /lab/bin/powershell (and
powershell.exe), first on PATH for SSH sessions.

- Every command line is appended to /var/log/windows-lab/command-lines.jsonl, as cmd.exe got it.
- A line over 8,191 characters (cmd.exe, KB 830473) exits 1 with cmd.exe's own
  "The command line is too long." and runs nothing.
- -EncodedCommand must be base64 of UTF-16LE text, as powershell.exe requires.
- Then the real PowerShell (pwsh, bind-mounted into the host) runs the same arguments. The only
  addition is what a Windows PowerShell has before any script runs: the lettered drives (C: is
  /mnt/c) and the Windows-only cmdlets, from the WindowsLab module (module autoloading finds it on
  PSModulePath in every runspace, as it finds NetTCPIP on Windows).
- The Local Machine Trusted Root store is the host's own folder (MACHINE_ROOT_STORE), not the
  Linux CA bundle.
"""
import base64
import glob
import json
import os
import sys
import time

CMD_EXE_LIMIT = 8191
CREATE_PROCESS_LIMIT = 32767
LOG = '/var/log/windows-lab/command-lines.jsonl'
POWERSHELL_TOOL = '/opt/powershell'
DOTNET = '/usr/share/dotnet/dotnet'
MODULES = '/lab/windows/modules'
# Local Machine > Trusted Root Certification Authorities: on .NET for Linux that store is OpenSSL's
# trust directory, so each host's own folder stands for it (a Windows host does not trust the
# Linux bundle). Tests put a CA's PEM file there to "import" it.
MACHINE_ROOT_STORE = '/var/lib/windows-lab/certificates/LocalMachine/Root'
# What a Windows PowerShell has before any script runs: its drives and the Windows-only cmdlets.
WINDOWS_START = 'Import-Module WindowsLab; Enable-WindowsLabDrives; '


def record(line):
    os.makedirs(os.path.dirname(LOG), exist_ok=True)
    with open(LOG, 'a') as f:
        f.write(json.dumps({'time': time.time(), 'line': line}) + '\n')


def main(argv):
    # The library sends nothing that needs quoting on this line: it is the words joined by spaces.
    line = ' '.join(['powershell'] + argv)
    record(line)
    if len(line) > CMD_EXE_LIMIT:
        sys.stderr.write('The command line is too long.\r\n')
        return 1
    args = list(argv)
    lowered = [a.lower() for a in args]
    if '-encodedcommand' in lowered:
        i = lowered.index('-encodedcommand')
        try:
            script = base64.b64decode(args[i + 1], validate=True).decode('utf-16-le')
        except (IndexError, ValueError):
            sys.stderr.write('Cannot process the command because the value specified with -EncodedCommand is not '
                             'properly encoded. The value must be Base64 encoded.\r\n')
            return 1
        args[i + 1] = base64.b64encode((WINDOWS_START + script).encode('utf-16-le')).decode('ascii')
    # The tool's own launcher would start .NET as a child process: run pwsh.dll directly, so the
    # session is one process, as powershell.exe is.
    found = sorted(glob.glob(POWERSHELL_TOOL + '/.store/powershell/*/powershell/*/tools/*/any/unix/pwsh.dll'))
    if not found or not os.access(DOTNET, os.X_OK):
        sys.stderr.write('lab powershell: PowerShell 7 or .NET is not mounted at %s and %s: install them '
                         '(test/lab/require-prerequisites.mjs --powershell) and restart the lab\n'
                         % (POWERSHELL_TOOL, DOTNET))
        return 99
    home = os.environ.get('HOME') or '/root'
    temp = os.path.join(home, 'AppData', 'Local', 'Temp')
    os.makedirs(temp, mode=0o700, exist_ok=True)
    env = dict(os.environ)
    os.makedirs(MACHINE_ROOT_STORE, exist_ok=True)
    env.update({
        'SSL_CERT_DIR': MACHINE_ROOT_STORE,
        'SSL_CERT_FILE': os.path.join(MACHINE_ROOT_STORE, 'no-bundle.pem'),
        'PSModulePath': MODULES,
        'TMPDIR': temp,
        'DOTNET_ROOT': '/usr/share/dotnet',
        'DOTNET_SYSTEM_GLOBALIZATION_INVARIANT': '1',
        'DOTNET_CLI_TELEMETRY_OPTOUT': '1',
        'POWERSHELL_TELEMETRY_OPTOUT': '1',
        'POWERSHELL_UPDATECHECK': 'Off',
        'NO_COLOR': '1',
        'TERM': 'dumb',
    })
    os.execve(DOTNET, [DOTNET, found[-1]] + args, env)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
