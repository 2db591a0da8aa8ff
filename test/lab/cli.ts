/** Manual control of the lab: npm run lab -- start|stop|status|reset */
import { labIsRunning, lastStart, readInventory, resetLab, startLab, stopLab } from './lab';

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'start': {
      const inventory = await startLab();
      console.log(JSON.stringify(inventory, null, 2));
      const how = lastStart.reused
        ? 'already running'
        : `image ${lastStart.imageBuilt ? 'built' : 'cached'} in ${lastStart.imageMs} ms`;
      console.error(
        `Lab ready in ${lastStart.totalMs} ms (${how}). Connect with: ssh -F ${inventory.sshConfigPath} ${inventory.hosts[0].name}`,
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
      await resetLab();
      return;
    case 'stop':
      stopLab();
      return;
    default:
      console.error('Usage: npm run lab -- start|stop|status|reset');
      process.exitCode = 2;
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
