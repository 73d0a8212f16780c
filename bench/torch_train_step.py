#!/usr/bin/env python3
"""PyTorch reference for bench/train-step.ts: the tutorial model (embedding 10000x16 ->
bidirectional GRU 32 -> dense 6 relu -> dense 1 sigmoid, BCE, Adam) on the CPU, train and
inference samples/s at the given batch sizes, sequence length 120, random ids.

Optional: bench/train-step.ts runs it when Debian's PyTorch is installed (apt-get install
python3-torch) and reports it, labelled, next to the constant from the issue. Nothing else in the
repository needs PyTorch.

    /usr/bin/python3 bench/torch_train_step.py --threads 2 --batches 32,128,512 --train-budget 4 --infer-budget 2

`--device cuda` times the same model on a GPU (cuDNN's GRU), for the lent-GPU runs of the
benchmark; each timed step then ends with torch.cuda.synchronize(), so it includes the device work.

Prints one JSON object on stdout. Timing: one warm-up step (reported), then steps until the
budget is spent (at least one); samples/s = batch * steps / time.
"""
import argparse
import json
import time

import torch


class Tutorial(torch.nn.Module):
    def __init__(self, vocab=10000, embed=16, units=32):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, embed)
        # PyTorch's GRU is Keras's resetAfter=true variant.
        self.gru = torch.nn.GRU(embed, units, batch_first=True, bidirectional=True)
        self.dense = torch.nn.Linear(2 * units, 6)
        self.out = torch.nn.Linear(6, 1)

    def forward(self, ids):
        _, h_n = self.gru(self.embedding(ids))
        h = torch.cat([h_n[0], h_n[1]], -1)
        return self.out(torch.relu(self.dense(h)))  # logits; the loss applies the sigmoid


def budgeted(b, step, budget, sync):
    def fn():
        step()
        sync()

    t0 = time.perf_counter()
    fn()
    warmup = time.perf_counter() - t0
    times = []
    c0, t0 = time.process_time(), time.perf_counter()
    while True:
        s = time.perf_counter()
        fn()
        times.append(time.perf_counter() - s)
        elapsed = time.perf_counter() - t0
        if elapsed >= budget:
            break
    cpu = time.process_time() - c0
    return {'warmupSeconds': warmup, 'steps': len(times), 'seconds': elapsed, 'samplesPerSecond': b * len(times) / elapsed,
            'medianStepSeconds': sorted(times)[len(times) // 2], 'cpuSecondsPerStep': cpu / len(times)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--batches', default='32,128,512')
    p.add_argument('--maxlen', type=int, default=120)
    p.add_argument('--train-budget', type=float, default=4)
    p.add_argument('--infer-budget', type=float, default=2)
    p.add_argument('--device', default='cpu')
    a = p.parse_args()
    device = torch.device(a.device)
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Tutorial().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    results = []
    for b in [int(s) for s in a.batches.split(',')]:
        x = torch.randint(0, 10000, (b, a.maxlen), device=device)
        y = (torch.arange(b, device=device) % 2).float().unsqueeze(1)

        def train():
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()

        def infer():
            with torch.no_grad():
                torch.sigmoid(model(x))

        model.train()
        tr = budgeted(b, train, a.train_budget, sync)
        model.eval()
        inf = budgeted(b, infer, a.infer_budget, sync)
        results.append({'batch': b, 'train': tr, 'infer': inf})
    print(json.dumps({'torch': torch.__version__, 'device': torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu', 'threads': torch.get_num_threads(), 'maxlen': a.maxlen, 'results': results}))


if __name__ == '__main__':
    main()
