"""Unit tests of what the DataMiner emulator reads at start (run by test/unit/lab-emulators.test.ts)."""
import os
import tempfile
import unittest

import labemu

lab = labemu.load_script(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'dataminer-lab.py'), 'dataminer_lab')


def install_dir(**files):
    directory = tempfile.mkdtemp()
    for name, text in files.items():
        with open(os.path.join(directory, name.replace('_', '.')), 'w') as f:
            f.write(text)
    return directory


class ReadIdTest(unittest.TestCase):
    def test_reads_the_number_and_refuses_anything_else(self):
        self.assertEqual(lab.read_id(install_dir(DataMiner_xml='<DataMiner id="42" />')), 42)
        for text, reason in [('<DataMiner id="x" />', 'no <DataMiner id'), ('<DataMiner', 'does not parse'),
                             ('<Other id="1" />', 'no <DataMiner id')]:
            with self.assertRaisesRegex(ValueError, reason):
                lab.read_id(install_dir(DataMiner_xml=text))
        with self.assertRaisesRegex(ValueError, 'missing'):
            lab.read_id(install_dir())


class ReadHttpsTest(unittest.TestCase):
    def test_enabled_only_by_the_https_element(self):
        on = '<MaintenanceSettings xmlns="http://www.skyline.be/config/maintenancesettings"><HTTPS enabled="True" name="dma.lab" /></MaintenanceSettings>'
        self.assertEqual(lab.read_https(install_dir(MaintenanceSettings_xml=on)), {'enabled': True, 'name': 'dma.lab'})
        self.assertEqual(lab.read_https(install_dir()), {'enabled': False})
        self.assertEqual(lab.read_https(install_dir(MaintenanceSettings_xml='<x'))['enabled'], False)


class EncryptPasswordsTest(unittest.TestCase):
    def test_encrypts_plain_text_once_per_agent_secret(self):
        directory = install_dir(DB_xml='<DataBase><PWD>secret</PWD><PWD></PWD></DataBase>')
        self.assertTrue(lab.encrypt_passwords(directory, 'agent-a'))
        text = labemu.read(os.path.join(directory, 'DB.xml'))
        self.assertNotIn('secret', text)
        self.assertIn('<PWD>' + lab.ENCRYPTED, text)
        self.assertIn('<PWD></PWD>', text)
        self.assertFalse(lab.encrypt_passwords(directory, 'agent-a'))
        other = install_dir(DB_xml='<DataBase><PWD>secret</PWD></DataBase>')
        lab.encrypt_passwords(other, 'agent-b')
        self.assertNotEqual(labemu.read(os.path.join(other, 'DB.xml')), text)


if __name__ == '__main__':
    unittest.main()
