#!/usr/bin/env python3
"""The release matrix's record and its page (run by targets/matrix.sh; stdlib only).

  compatibility.py results REPORT SERVICE RELEASE VERSION OUT
      Keep what is stable of one run's JSON report (stackconform --report) for the
      cases of SERVICE's operations: per case its expected and observed status,
      verdict, the deviation reason, and the shape of the body it got. OUT is
      targets/releases/RELEASE/SERVICE.results.json, committed: it is what the
      page is generated from, and what `matrix.sh --check` compares a new run with.
  compatibility.py page RELEASES_DIR
      Print docs/compatibility.md from every releases/*/*.results.json.

A results file has no times, ids or addresses, so the same release gives the same
file on every run; any change in it is a change in what the service does.
"""
import json
import os
import sys

# The operations each real target serves: the other cases are skipped there.
PREFIX = {'neutron': 'network.', 'nova': 'compute.'}
TITLE = {'neutron': 'Neutron', 'nova': 'Nova'}
DEVIATION = 'known deviation: '


def results(report_path, service, release, version, out_path):
    with open(report_path) as f:
        report = json.load(f)
    cases = {}
    for c in report['cases']:
        if not c['operation'].startswith(PREFIX[service]):
            continue
        entry = {'id': c['id'], 'expected': c['expected_status'],
                 'observed': c.get('observed_status'), 'verdict': c['verdict']}
        reason = c.get('skip_reason') or ''
        if c['verdict'] == 'known_deviation' and reason.startswith(DEVIATION):
            entry['deviation'] = reason[len(DEVIATION):].strip()
        elif c['verdict'] != 'passed':
            # A failure or a skip is kept with its reason: the page must say why.
            entry['reason'] = (c.get('failure') or reason).splitlines()[0][:300]
        if c.get('observed_shape'):
            entry['shape'] = c['observed_shape']
        cases[c['trial']] = entry
    if not cases:
        sys.exit('compatibility: %s has no %s cases' % (report_path, service))
    target = report['target']
    record = {'release': release, 'service': service, 'version': version}
    if service == 'nova':
        record['max_microversion'] = target.get('compute_max_microversion')
    else:
        record['extensions'] = sorted(target.get('network_extensions') or [])
    record['cases'] = dict(sorted(cases.items()))
    with open(out_path, 'w') as f:
        json.dump(record, f, indent=1, sort_keys=False)
        f.write('\n')


def load_all(releases_dir):
    out = {}
    for release in sorted(os.listdir(releases_dir), key=version_key):
        for service in ('neutron', 'nova'):
            path = os.path.join(releases_dir, release, service + '.results.json')
            if os.path.exists(path):
                with open(path) as f:
                    out[(release, service)] = json.load(f)
    return out


def version_key(release):
    return tuple(int(p) for p in release.split('.') if p.isdigit())


def cell(entries):
    """'12 passed, 2 deviations (500)' for the cases of one status in one release."""
    counts = {}
    for e in entries:
        v = e['verdict']
        if v != 'passed' and e.get('observed') not in (None, e['expected']):
            v = '%s (%s)' % (v, e['observed'])
        counts[v] = counts.get(v, 0) + 1
    order = sorted(counts, key=lambda v: (v != 'passed', v))
    words = {'passed': 'passed', 'known_deviation': 'deviation', 'failed': 'FAILED',
             'skipped': 'SKIPPED'}
    plural = {'deviation': 'deviations'}
    parts = []
    for v in order:
        base = v.split(' ')[0]
        rest = v[len(base):]
        word = words.get(base, base)
        if counts[v] > 1:
            word = plural.get(word, word)
        parts.append('%d %s%s' % (counts[v], word, rest))
    return ', '.join(parts)


def shape_change(old, new):
    old, new = old.get('shape', {}), new.get('shape', {})
    added = ['`%s` (%s)' % (p, t) for p, t in sorted(new.items()) if p not in old]
    gone = ['`%s`' % p for p in sorted(old) if p not in new]
    retyped = ['`%s` %s → %s' % (p, old[p], new[p]) for p in sorted(new)
               if p in old and old[p] != new[p]]
    parts = []
    if added:
        parts.append('body field ' + ', '.join(added) + ' appears')
    if gone:
        parts.append(', '.join(gone) + ' no longer sent')
    if retyped:
        parts.append('type changes: ' + ', '.join(retyped))
    return '; '.join(parts)


def differences(records, service, releases):
    """(release, change, [trials]) where a case answers differently from the release before."""
    grouped = {}
    for before, after in zip(releases, releases[1:]):
        a, b = records.get((before, service)), records.get((after, service))
        if not a or not b:
            continue
        for trial, new in b['cases'].items():
            old = a['cases'].get(trial)
            if old is None:
                continue
            changes = []
            if old['observed'] != new['observed']:
                changes.append('status %s → %s' % (old['observed'], new['observed']))
            if old['verdict'] != new['verdict']:
                changes.append('verdict %s → %s' % (old['verdict'], new['verdict']))
            s = shape_change(old, new)
            if s:
                changes.append(s)
            if changes:
                grouped.setdefault((after, '; '.join(changes)), []).append(trial)
    return [(r, c, t) for (r, c), t in grouped.items()]


def service_changes(records, service, releases):
    """What the service itself advertises differently from the release before."""
    out = []
    for before, after in zip(releases, releases[1:]):
        a, b = records.get((before, service)), records.get((after, service))
        if not a or not b:
            continue
        if service == 'neutron':
            added = sorted(set(b['extensions']) - set(a['extensions']))
            gone = sorted(set(a['extensions']) - set(b['extensions']))
            parts = []
            if added:
                parts.append('extensions added: ' + ', '.join('`%s`' % x for x in added))
            if gone:
                parts.append('extensions removed: ' + ', '.join('`%s`' % x for x in gone))
            if parts:
                out.append((after, '; '.join(parts)))
        elif a.get('max_microversion') != b.get('max_microversion'):
            out.append((after, 'highest microversion %s → %s' % (
                a.get('max_microversion'), b.get('max_microversion'))))
    return out


def page(releases_dir):
    records = load_all(releases_dir)
    releases = sorted({r for r, _ in records}, key=version_key)
    w = []
    w.append('# Compatibility: the catalogue against every supported OpenStack release\n')
    w.append('Generated by `targets/matrix.sh` from `targets/releases/*/*.results.json`; '
             'do not edit. `targets/matrix.sh --check` (CI, on the oldest and the newest '
             'release) fails when a run differs from the recorded results or this page '
             'from them.\n')
    w.append('Each release runs real upstream Neutron and Nova from PyPI, pinned with that '
             "release's upper-constraints (`targets/releases/RELEASE/SERVICE.lock`), with its "
             'own deviations file (`SERVICE.deviations.yaml`). A deviation is a case the '
             'service fails for a recorded upstream reason; anything else that fails fails '
             'the matrix.\n')
    w.append('| release | Neutron | Nova |')
    w.append('|---|---|---|')
    for r in releases:
        row = [r]
        for s in ('neutron', 'nova'):
            rec = records.get((r, s))
            if rec:
                total = len(rec['cases'])
                mv = ' (microversions up to %s)' % rec['max_microversion'] if rec.get('max_microversion') else ''
                row.append('%s %s%s: %s of %d cases' % (
                    TITLE[s], rec['version'], mv, cell(rec['cases'].values()), total))
            else:
                row.append('not run')
        w.append('| ' + ' | '.join(row) + ' |')
    w.append('')
    for s in ('neutron', 'nova'):
        ops = sorted({t.split('::')[0] for (r, sv), rec in records.items() if sv == s
                      for t in rec['cases']})
        for op in ops:
            w.append('## `%s` (%s)\n' % (op, TITLE[s]))
            w.append('| status | ' + ' | '.join(releases) + ' |')
            w.append('|---' * (len(releases) + 1) + '|')
            statuses = sorted({e['expected'] for (r, sv), rec in records.items() if sv == s
                               for t, e in rec['cases'].items() if t.startswith(op + '::')})
            for status in statuses:
                row = [str(status)]
                for r in releases:
                    rec = records.get((r, s))
                    es = [e for t, e in rec['cases'].items()
                          if t.startswith(op + '::') and e['expected'] == status] if rec else []
                    row.append(cell(es) if es else '—')
                w.append('| ' + ' | '.join(row) + ' |')
            w.append('')
    w.append('## Deviations\n')
    by_reason = {}
    for (r, s_), rec in records.items():
        for t, e in rec['cases'].items():
            if 'deviation' in e:
                by_reason.setdefault(e['deviation'], {}).setdefault(
                    (t, e['expected'], e['observed']), []).append(r)
    if not by_reason:
        w.append('None.')
    for why, cases in sorted(by_reason.items()):
        w.append('- %s.' % why.rstrip('.'))
        for (t, exp, obs), rs in sorted(cases.items()):
            w.append('  - `%s`: expected %s, observed %s, in %s' % (
                t, exp, obs, ', '.join(sorted(rs, key=version_key))))
    w.append('')
    w.append('## What changed from one release to the next\n')
    w.append("Each line is a difference in a case's answer (status, verdict, or the fields "
             'of its body) from the release before; the catalogue accepts each (an '
             'alternative in a snapshot, or a recorded deviation).\n')
    any_diff = False
    for s in ('neutron', 'nova'):
        for r, change in service_changes(records, s, releases):
            any_diff = True
            w.append('- **%s, %s %s** advertises: %s.' % (r, TITLE[s], records[(r, s)]['version'], change))
        for r, change, trials in sorted(differences(records, s, releases),
                                        key=lambda x: (version_key(x[0]), x[1])):
            any_diff = True
            w.append('- **%s, %s %s**: %s. Cases (%d): %s.' % (
                r, TITLE[s], records[(r, s)]['version'], change, len(trials),
                ', '.join('`%s`' % t for t in sorted(trials))))
    if not any_diff:
        w.append('No case answers differently between the releases.')
    w.append('')
    others = [(r, s, t, e) for (r, s), rec in sorted(records.items())
              for t, e in rec['cases'].items()
              if e['verdict'] not in ('passed', 'known_deviation')]
    if others:
        w.append('## Not passed\n')
        for r, s, t, e in others:
            w.append('- %s %s `%s`: %s: %s' % (r, TITLE[s], t, e['verdict'], e.get('reason', '')))
        w.append('')
    return '\n'.join(w)


def main(argv):
    if len(argv) == 7 and argv[1] == 'results':
        results(*argv[2:7])
    elif len(argv) == 3 and argv[1] == 'page':
        sys.stdout.write(page(argv[2]))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
