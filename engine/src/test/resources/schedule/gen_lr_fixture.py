#!/usr/bin/env python3
"""Generates lr_schedules.json: learning rates per batch under Composer's timing, using torch's real LambdaLR.

The Composer schedulers are re-implemented from composer/optim/scheduler.py (LinearWithWarmupScheduler,
CosineAnnealingWithWarmupScheduler, ConstantWithWarmupScheduler, _convert_time) because Composer is not installed;
the timing (LambdaLR constructor step, scheduler.step() after optimizer.step() and before the timestamp advances)
comes from torch.optim.lr_scheduler.LambdaLR itself. Run: /usr/bin/python3 gen_lr_fixture.py > lr_schedules.json
"""
import json
import math

import torch


def parse(s):
    m = __import__('re').match(r'^(.+)(iter|ep|ba|sp|tok|dur|sec)$', s)
    v = float(m.group(1))
    return (v if m.group(2) == 'dur' else int(v)), m.group(2)


def convert(t, max_dur, dl_len, ssr=1.0):
    v, u = t
    mv, mu = max_dur
    if u == 'dur':
        if mu == 'ep':
            return int(v * int(dl_len) * mv), 'ba'
        return int(v * mv), mu
    if u == 'ep':
        v, u = v * int(dl_len), 'ba'
    return int(v * ssr), u


class State:
    def __init__(self, max_dur, dl_len):
        self.max_dur, self.dl_len = max_dur, dl_len
        self.counts = {'ba': 0, 'sp': 0, 'tok': 0, 'ep': 0}


def linear_warmup_alpha(state, t_warmup, alpha_i, alpha_f, t_max='1dur'):
    tw = convert(parse(t_warmup), state.max_dur, state.dl_len)
    tm = convert(parse(t_max), state.max_dur, state.dl_len)
    assert tw[1] == tm[1]
    t = state.counts[tw[1]]
    if t < tw[0]:
        return 0.0 + min(1.0, t / tw[0]) * (alpha_i - 0.0)
    frac = (t - tw[0]) / (tm[0] - tw[0]) if tm[0] > tw[0] else 0.0
    frac = min(1.0, frac)
    return alpha_i + frac * (alpha_f - alpha_i)


def cosine_warmup_alpha(state, t_warmup, alpha_f, t_max='1dur'):
    tw = convert(parse(t_warmup), state.max_dur, state.dl_len)
    tm = convert(parse(t_max), state.max_dur, state.dl_len)
    t = state.counts[tw[1]]
    if t < tw[0]:
        return min(1.0, t / tw[0])
    frac = (t - tw[0]) / (tm[0] - tw[0]) if tm[0] > tw[0] else 0.0
    x = min(max(min(1.0, frac), 0.0), 1.0)
    return alpha_f + (1 - alpha_f) * (1 + math.cos(x * math.pi)) / 2


CASES = [
    dict(id='linear_0.02dur_2ep_len50', scheduler='linear_with_warmup', t_warmup='0.02dur', alpha_i=1.0,
         alpha_f=0.0, max_duration='2ep', dataloader_len=50, samples=4, tokens=100, base_lrs=[5e-7]),
    dict(id='linear_10ba_100ba_alphaf0.1', scheduler='linear_with_warmup', t_warmup='10ba', alpha_i=1.0,
         alpha_f=0.1, max_duration='100ba', dataloader_len=30, samples=2, tokens=64, base_lrs=[1e-4]),
    dict(id='linear_0ba', scheduler='linear_with_warmup', t_warmup='0ba', alpha_i=1.0, alpha_f=0.0,
         max_duration='20ba', dataloader_len=20, samples=1, tokens=10, base_lrs=[1e-3]),
    dict(id='cosine_5ba_40ba', scheduler='cosine_with_warmup', t_warmup='5ba', alpha_f=0.0,
         max_duration='40ba', dataloader_len=40, samples=1, tokens=10, base_lrs=[2e-5]),
    dict(id='cosine_0.1dur_tok_lora_plus', scheduler='cosine_with_warmup', t_warmup='0.1dur', alpha_f=0.05,
         max_duration='1000tok', dataloader_len=10, samples=3, tokens=37, base_lrs=[1e-4, 1.6e-3]),
    dict(id='constant_with_warmup_3ba', scheduler='constant_with_warmup', t_warmup='3ba', alpha_i=1.0,
         max_duration='12ba', dataloader_len=12, samples=1, tokens=5, base_lrs=[3e-4]),
    dict(id='linear_1ep_warmup_3ep', scheduler='linear_with_warmup', t_warmup='1ep', alpha_i=1.0, alpha_f=0.0,
         max_duration='3ep', dataloader_len=7, samples=2, tokens=20, base_lrs=[1e-5]),
]


def run(case):
    max_dur = parse(case['max_duration'])
    state = State(max_dur, case['dataloader_len'])
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in case['base_lrs']]
    opt = torch.optim.SGD([{'params': [p], 'lr': lr} for p, lr in zip(params, case['base_lrs'])])
    if case['scheduler'] == 'linear_with_warmup':
        fn = lambda _: linear_warmup_alpha(state, case['t_warmup'], case['alpha_i'], case['alpha_f'])
    elif case['scheduler'] == 'constant_with_warmup':
        fn = lambda _: linear_warmup_alpha(state, case['t_warmup'], case['alpha_i'], case['alpha_i'])
    else:
        fn = lambda _: cosine_warmup_alpha(state, case['t_warmup'], case['alpha_f'])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, fn)
    lrs = []
    unit = max_dur[1]
    while state.counts[unit] < max_dur[0]:
        for _ in range(case['dataloader_len']):
            lrs.append([g['lr'] for g in opt.param_groups])
            for p in params:
                p.grad = torch.zeros(1)
            opt.step()
            sched.step()  # before the timestamp advances (Composer _train_loop)
            state.counts['ba'] += 1
            state.counts['sp'] += case['samples']
            state.counts['tok'] += case['tokens']
            if state.counts[unit] >= max_dur[0]:
                break
        else:
            state.counts['ep'] += 1
            continue
        break
    sd = sched.state_dict()
    out = dict(case)
    out['lrs'] = lrs
    out['final_state'] = {k: sd[k] for k in ('base_lrs', 'last_epoch', '_step_count', '_last_lr')}
    return out


if __name__ == '__main__':
    print(json.dumps({'torch_version': torch.__version__, 'cases': [run(c) for c in CASES]}, indent=1))
