#!/usr/bin/env python3
"""Generates time_strings.json: what Composer's Time.from_timestring does with each string.

The parser below restates composer/core/time.py (verify_wct, Time.from_timedelta, Time.from_timestring and
StringEnum's case-insensitive lookup) so that Python's own float(), re and datetime.strptime decide the edge
cases (underscores, whitespace, trailing newline, hour/minute/second ranges). Composer itself is not installed.
Run: /usr/bin/python3 gen_time_fixture.py > time_strings.json
"""
import datetime
import json
import re

UNITS = ['iter', 'ep', 'ba', 'sp', 'tok', 'dur', 'sec']
_TIME_STR_REGEX = re.compile(r'^(.+)(' + r'|'.join(UNITS) + r')$', flags=re.IGNORECASE)


def verify_wct(timestamp):
    if 'h' not in timestamp:
        timestamp = '0h' + timestamp
    if 'm' not in timestamp:
        timestamp = timestamp.replace('h', 'h0m')
    if 's' not in timestamp:
        timestamp = timestamp + '0s'
    if re.match(r'^(\d+h)?(\d+m)?(\d+s)?$', timestamp):
        return timestamp
    raise ValueError(f'{timestamp} was passed in, which does not fit XXhYYmZZs formatting')


def from_timedelta(s):
    t = datetime.datetime.strptime(verify_wct(s), '%Hh%Mm%Ss')
    delta = datetime.timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)
    return int(delta.total_seconds()), 'sec'


def from_timestring(s):
    try:
        return from_timedelta(s)
    except ValueError:
        pass
    match = _TIME_STR_REGEX.findall(s)
    if len(match) != 1:
        raise ValueError(f'Invalid time string: {s}')
    value, unit = [x for x in match[0] if x != '']
    unit = unit.lower()
    value = float(value)
    if unit != 'dur':
        if int(value) != value:
            raise TypeError(f'value {value} is not an integer. Units {unit} require integer values.')
        value = int(value)
    return value, unit


CASES = ['1ep', '500ba', '1000000tok', '100sp', '0.02dur', '3e4tok', '3E4TOK', '5EP', '2iter', '10sec', '1.0ba',
         '1_000ba', '  7 ba', '-5ba', '+5ba', '-0ba', '1dur', '.5dur', '5.dur', '2.5e-1dur', '1e-2dur', '1.ba',
         '1h', '1h30m', '30m', '45s', '1h5s', '2h3m4s', '0h0m0s', '23h59m59s', '', '5', '12', '5ep\n', '1h\n',
         '2%', 'ep', '5 epochs', 'abcba', '1.5.ba', '90m', '25h', '24h', '1h61m', '0h0m60s', '5xyz', '1e',
         '1.5ba', '0.5ep', '2.5e0tok', 'infba', 'nanep', '1__0ba', '_10ba', '10_ba', '0x10ba', '1h 30m', '1H',
         '5Sec', '7SP', 'e5tok', '1e5', '1 e5tok', '00h01m', '001h']


def run(s):
    try:
        value, unit = from_timestring(s)
        return {'s': s, 'value': value, 'unit': unit}
    except (ValueError, TypeError, OverflowError) as e:
        return {'s': s, 'error': type(e).__name__}


if __name__ == '__main__':
    print(json.dumps({'cases': [run(s) for s in CASES]}, indent=1))
