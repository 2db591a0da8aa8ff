/** Manual control of the lab: npx ts-node test/lab/cli.ts start|stop|status|reset */
import { labIsRunning, readInventory, resetLab, startLab, stopLab } from './lab';

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'start': {
      const started = Date.now();
      const inventory = await startLab();
      console.log(JSON.stringify(inventory, null, 2));
      console.error(
        `Lab ready in ${Date.now() - started} ms. Connect with: ssh -F ${inventory.sshConfigPath} ${inventory.hosts[0].name}`,
      );
      return;
    }
    case 'status': {
      const running = await labIsRunning();
      console.log(JSON.stringify(readInventory(), null, 2));
      console.error(running ? 'Lab is running.' : 'Lab is stopped (or broken): run start.');
      process.exitCode = running ? 0 : 3;
      return;
    }
    case 'reset':
      resetLab();
      return;
    case 'stop':
      stopLab();
      return;
    default:
      console.error('Usage: ts-node test/lab/cli.ts start|stop|status|reset');
      process.exitCode = 2;
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
