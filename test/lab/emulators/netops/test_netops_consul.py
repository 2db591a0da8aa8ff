"""
Unit tests of the Consul cluster's views (the server's and an agent's) and of the links between
DAs, run by test/unit/lab-emulators.test.ts.
"""
import unittest

from netops.consul import agent_view, peer_link_problems, server_view

PROXY = {'name': 'lab-a', 'addr': '198.18.0.11'}
REMEMBERED = {'lab-b': {'addr': '198.18.0.12', 'role': 'aggregator'},
              'lab-c': {'addr': '198.18.0.13', 'role': 'aggregator'}}
NOW = 1000.0


def gossip(at=NOW - 0.5, silent=0.2, da_state='Active', reason='', problems=()):
    return {'at': at, 'silentFor': silent, 'daState': da_state, 'daReason': reason, 'peerProblems': list(problems)}


def statuses(view):
    return {m['Name']: m['Status'] for m in view['members']}


def checks(view):
    return {(c['Node'], c['CheckID']): c['Output'] for c in view['critical']}


class PeerLinkProblemsTest(unittest.TestCase):
    def test_a_failing_link_counts_for_both_ends(self):
        problem = 'no Serf LAN gossip with lab-c over UDP 8301 for 3.2 s'
        heard = {'lab-b': gossip(problems=[problem]), 'lab-c': gossip()}
        self.assertEqual(peer_link_problems(heard, {'lab-b': True, 'lab-c': True}),
                         {'lab-b': [problem], 'lab-c': ['lab-b reports: ' + problem]})

    def test_a_name_counts_only_as_a_whole_word(self):
        heard = {'lab-b': gossip(problems=['server RPC to lab-cc over TCP 8300 fails: refused']), 'lab-c': gossip()}
        self.assertEqual(peer_link_problems(heard, {'lab-b': True, 'lab-c': True}), {})

    def test_nothing_new_about_or_from_a_da_the_server_cannot_hear(self):
        problem = 'server RPC to lab-c over TCP 8300 fails: Connection refused'
        heard = {'lab-b': gossip(problems=[problem]), 'lab-c': gossip()}
        self.assertEqual(peer_link_problems(heard, {'lab-b': True, 'lab-c': False}), {})
        self.assertEqual(peer_link_problems(heard, {'lab-b': False, 'lab-c': True}), {})


class ServerViewTest(unittest.TestCase):
    def test_all_heard_all_alive_with_the_proxy_as_leader(self):
        view = server_view(PROXY, REMEMBERED, {'lab-b': gossip(), 'lab-c': gossip(da_state='Inactive')}, NOW)
        self.assertEqual(view['leader'], '198.18.0.11:8300')
        self.assertEqual(view['peers'], ['198.18.0.11:8300', '198.18.0.12:8300', '198.18.0.13:8300'])
        self.assertEqual(statuses(view), {'lab-a': 1, 'lab-b': 1, 'lab-c': 1})
        self.assertEqual(view['critical'], [])
        self.assertEqual(view['services'], {'consul': [], 'lab-data-aggregator': []})
        self.assertEqual(view['members'][1]['Tags']['lab_role'], 'aggregator')

    def test_a_da_not_heard_or_not_hearing_the_server_within_3_s_is_failed(self):
        view = server_view(PROXY, REMEMBERED, {'lab-b': gossip(at=NOW - 3.5), 'lab-c': gossip(silent=3.1)}, NOW)
        self.assertEqual(statuses(view), {'lab-a': 1, 'lab-b': 4, 'lab-c': 4})
        self.assertEqual(checks(view), {('lab-b', 'serfHealth'): 'Agent not live or unreachable',
                                        ('lab-c', 'serfHealth'): 'Agent not live or unreachable'})
        self.assertEqual(view['leader'], '')

    def test_a_broken_link_between_the_das_fails_both_and_keeps_the_leader(self):
        problem = 'Serf LAN to lab-c over TCP 8301 fails: No route to host'
        view = server_view(PROXY, REMEMBERED, {'lab-b': gossip(problems=[problem]), 'lab-c': gossip()}, NOW)
        self.assertEqual(statuses(view), {'lab-a': 1, 'lab-b': 4, 'lab-c': 4})
        self.assertEqual(checks(view), {
            ('lab-b', 'serfHealth'): 'Agent not live or unreachable: ' + problem,
            ('lab-c', 'serfHealth'): 'Agent not live or unreachable: lab-b reports: ' + problem})
        self.assertEqual(view['leader'], '198.18.0.11:8300')

    def test_an_alive_da_that_announces_failed_has_a_service_check(self):
        view = server_view(PROXY, REMEMBERED, {'lab-b': gossip(da_state='Failed', reason='no share'),
                                               'lab-c': gossip(da_state='Failed')}, NOW)
        self.assertEqual(statuses(view), {'lab-a': 1, 'lab-b': 1, 'lab-c': 1})
        self.assertEqual(checks(view), {
            ('lab-b', 'service:lab-data-aggregator'): 'Data Aggregator status: Failed (no share)',
            ('lab-c', 'service:lab-data-aggregator'): 'Data Aggregator status: Failed (unknown)'})

    def test_before_any_da_only_the_proxy_and_consul(self):
        view = server_view(PROXY, {}, {}, NOW)
        self.assertEqual((statuses(view), view['leader'], view['services']), ({'lab-a': 1}, '', {'consul': []}))


class AgentViewTest(unittest.TestCase):
    ME = {'name': 'lab-b', 'addr': '198.18.0.12'}

    def test_the_servers_view_while_it_hears_the_server(self):
        seen = server_view(PROXY, REMEMBERED, {'lab-b': gossip(), 'lab-c': gossip()}, NOW)
        self.assertIs(agent_view(self.ME, NOW - 2.9, seen, NOW), seen)

    def test_alone_and_without_a_leader_once_the_server_is_silent(self):
        seen = server_view(PROXY, REMEMBERED, {'lab-b': gossip(), 'lab-c': gossip()}, NOW)
        view = agent_view(self.ME, NOW - 3.1, seen, NOW)
        self.assertEqual(view['leader'], '')
        self.assertEqual(statuses(view), {'lab-b': 1, 'lab-a': 4, 'lab-c': 4})
        self.assertEqual(sorted(checks(view)), [('lab-a', 'serfHealth'), ('lab-c', 'serfHealth')])
        self.assertEqual(view['services'], seen['services'])
        never = agent_view(self.ME, None, None, NOW)
        self.assertEqual((statuses(never), never['critical'], never['services']), ({'lab-b': 1}, [], {'consul': []}))


if __name__ == '__main__':
    unittest.main()
