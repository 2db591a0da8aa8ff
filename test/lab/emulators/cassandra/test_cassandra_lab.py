"""Unit tests of the Cassandra emulator's reading of cassandra.yaml (run by test/unit/lab-emulators.test.ts)."""
import os
import unittest

import labemu

lab = labemu.load_script(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'cassandra-lab.py'), 'cassandra_lab')

YAML = """# comment: cluster_name: Ignored
cluster_name: 'Lab ''One'''
num_tokens: 16
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "198.18.0.11, 198.18.0.12"
listen_address: 198.18.0.11
rpc_address: 0.0.0.0
broadcast_rpc_address: 198.18.0.11
server_encryption_options:
  internode_encryption: all
"""


class ParseConfigTest(unittest.TestCase):
    def test_reads_quoted_names_seed_lists_and_nested_encryption(self):
        conf = lab.parse_config(YAML)
        self.assertEqual(conf['cluster_name'], "Lab 'One'")
        self.assertEqual(conf['seeds'], ['198.18.0.11', '198.18.0.12'])
        self.assertEqual(conf['server_encryption_options.internode_encryption'], 'all')
        self.assertNotIn('class_name', conf)

    def test_snapshot_binds_the_named_addresses_and_the_encrypted_storage_port(self):
        snap = lab.snapshot(lab.parse_config(YAML))
        self.assertEqual(snap['listen'], '198.18.0.11')
        self.assertEqual(snap['num_tokens'], 16)
        # rpc_address 0.0.0.0: clients are served on broadcast_rpc_address.
        self.assertEqual(snap['ports'], [('198.18.0.11', 7000), ('198.18.0.11', 7001), ('198.18.0.11', 9042)])

    def test_snapshot_defaults_to_loopback_and_the_stock_cluster_name(self):
        snap = lab.snapshot(lab.parse_config('listen_address: localhost\n'))
        self.assertEqual(snap['cluster_name'], 'Test Cluster')
        self.assertEqual(snap['ports'], [('127.0.0.1', 7000), ('127.0.0.1', 9042)])


if __name__ == '__main__':
    unittest.main()
