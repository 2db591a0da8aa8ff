/**
 * The cdktf app (cdktf.json runs this file): the example stacks. The lab demo stack needs the
 * local lab's inventory (`npm run lab start`); the others only synthesize.
 */
import * as fs from 'node:fs';
import type { Construct } from 'constructs';
import { App, TerraformStack } from '../src/cdktf';
import { addCassandraExamples } from './cassandra-two-node-example';
import { addDataMinerPairs } from './dataminer-failover-example';
import { addFaultTolerantAggregator } from './fault-tolerant-aggregator-example';
import { addLabDemo, DemoHost } from './lab-demo-stack';
import { addDataAggregatorSharedDir } from './nfs-shared-dir-example';

const LAB_INVENTORY = '/var/lib/cdktf-failover-lab/inventory.json';

const app = new App();

if (fs.existsSync(LAB_INVENTORY)) {
  const inventory = JSON.parse(fs.readFileSync(LAB_INVENTORY, 'utf8')) as {
    clientKeyPath: string;
    hosts: DemoHost[];
  };
  const stack = new TerraformStack(app as Construct, 'lab-demo');
  addLabDemo(stack, [inventory.hosts[0], inventory.hosts[1]], inventory.clientKeyPath);
} else {
  console.error(
    `No lab inventory at ${LAB_INVENTORY}: the lab-demo stack is skipped (start the lab with \`npm run lab start\`).`,
  );
}

addDataAggregatorSharedDir(new TerraformStack(app as Construct, 'nfs-shared-dir'));
addCassandraExamples(new TerraformStack(app as Construct, 'cassandra-two-node'));
addFaultTolerantAggregator(new TerraformStack(app as Construct, 'fault-tolerant-aggregator'));
addDataMinerPairs(new TerraformStack(app as Construct, 'dataminer-failover'));

app.synth();
