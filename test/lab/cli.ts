/** Manual control of the lab: npm run lab -- start|stop|status|reset|image */
import { ensureImage } from './image';
import { LAB_BASE_DIR, labIsRunning, lastStart, readInventory, resetLab, startLab, stopLab } from './lab';

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
    case 'image': {
      // Run by the prerequisite step of `npm test`, `npm run demo` and `npm run bench`, so that no
      // test or demo step ever waits for a cold build.
      const image = await ensureImage(LAB_BASE_DIR);
      if (!image.built) console.error(`Lab image ready (cached: ${image.rootfs}).`);
      return;
    }
    default:
      console.error('Usage: npm run lab -- start|stop|status|reset|image');
      process.exitCode = 2;
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
