# finetune4j kernel library: TorchScript in the "saved code" dialect (torch.X = aten::X, dtypes as ScalarType ints:
# 1 int8, 4 int64, 6 float32, 7 float64, 15 bfloat16). Written into a TorchScript archive by KernelArchive and called
# by name from KernelLibrary. A zero-element tensor stands for "no bias". Formulas: docs/training.md §3.1 (Lion),
# docs/training.md §8 (LoRA), docs/training.md §12 (RMSNorm, RoPE, attention, loss); Composer DecoupledAdamW for adamw_step.
class Ops(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  def cast(self: __torch__.Ops, x: Tensor, dtype: int) -> Tensor:
    return torch.to(x, dtype)
  def embedding(self: __torch__.Ops, weight: Tensor, ids: Tensor, padding_idx: int) -> Tensor:
    return torch.embedding(weight, ids, padding_idx, False, False)
  def rms_norm(self: __torch__.Ops, x: Tensor, weight: Tensor, eps: float) -> Tensor:
    x32 = torch.to(x, torch.promote_types(ops.prim.dtype(x), 6))
    var = torch.mean(torch.mul(x32, x32), [-1], True)
    y = torch.mul(x32, torch.rsqrt(torch.add(var, eps)))
    return torch.mul(weight, torch.to(y, ops.prim.dtype(x)))
  def linear(self: __torch__.Ops, x: Tensor, weight: Tensor, bias: Tensor, bf16: bool) -> Tensor:
    if bf16:
      x = torch.to(x, 15)
      weight = torch.to(weight, 15)
      bias = torch.to(bias, 15)
    if torch.numel(bias) == 0:
      return torch.linear(x, weight)
    return torch.linear(x, weight, bias)
  def lora_linear(self: __torch__.Ops, x: Tensor, weight: Tensor, bias: Tensor, lora_a: Tensor, lora_b: Tensor, scaling: float, dropout_p: float, train: bool, bf16: bool) -> Tensor:
    base = self.linear(x, weight, bias, bf16)
    xd = x
    if dropout_p > 0.:
      xd = torch.dropout(x, dropout_p, train)
    if bf16:
      xd = torch.to(xd, 15)
      lora_a = torch.to(lora_a, 15)
      lora_b = torch.to(lora_b, 15)
    delta = torch.linear(torch.linear(xd, lora_a), lora_b)
    return torch.add(base, torch.mul(delta, scaling))
  def dequantize(self: __torch__.Ops, qweight: Tensor, scale: Tensor, bf16: bool) -> Tensor:
    w = torch.mul(torch.to(qweight, 6), torch.unsqueeze(scale, 1))
    if bf16:
      return torch.to(w, 15)
    return w
  def quantize(self: __torch__.Ops, weight: Tensor) -> List[Tensor]:
    w = torch.to(weight, 6)
    amax = torch.amax(torch.abs(w), [1], False)
    scale = torch.div(torch.clamp_min(amax, 1.0e-12), 127.)
    q = torch.to(torch.clamp(torch.round(torch.div(w, torch.unsqueeze(scale, 1))), -127., 127.), 1)
    return [q, scale]
  def dropout(self: __torch__.Ops, x: Tensor, p: float, train: bool) -> Tensor:
    return torch.dropout(x, p, train)
  def silu_mul(self: __torch__.Ops, gate: Tensor, up: Tensor) -> Tensor:
    return torch.mul(torch.silu(gate), up)
  def rope_tables(self: __torch__.Ops, positions: Tensor, inv_freq: Tensor) -> List[Tensor]:
    freqs = torch.mul(torch.unsqueeze(torch.to(positions, ops.prim.dtype(inv_freq)), -1), inv_freq)
    emb = torch.cat([freqs, freqs], -1)
    return [torch.cos(emb), torch.sin(emb)]
  def rope(self: __torch__.Ops, x: Tensor, cos: Tensor, sin: Tensor, n_heads: int, head_dim: int) -> Tensor:
    b = torch.size(x, 0)
    s = torch.size(x, 1)
    h = torch.transpose(torch.reshape(x, [b, s, n_heads, head_dim]), 1, 2)
    c = torch.to(torch.unsqueeze(cos, 1), ops.prim.dtype(h))
    sn = torch.to(torch.unsqueeze(sin, 1), ops.prim.dtype(h))
    half = head_dim // 2
    x1 = torch.slice(h, -1, 0, half)
    x2 = torch.slice(h, -1, half, head_dim)
    rotated = torch.cat([torch.neg(x2), x1], -1)
    return torch.add(torch.mul(h, c), torch.mul(rotated, sn))
  def split_heads(self: __torch__.Ops, x: Tensor, n_heads: int, head_dim: int) -> Tensor:
    b = torch.size(x, 0)
    s = torch.size(x, 1)
    return torch.transpose(torch.reshape(x, [b, s, n_heads, head_dim]), 1, 2)
  def merge_heads(self: __torch__.Ops, x: Tensor) -> Tensor:
    b = torch.size(x, 0)
    s = torch.size(x, 2)
    return torch.reshape(torch.transpose(x, 1, 2), [b, s, -1])
  def repeat_kv(self: __torch__.Ops, x: Tensor, n_rep: int) -> Tensor:
    if n_rep == 1:
      return x
    return torch.repeat_interleave(x, n_rep, 1)
  def sdpa_causal(self: __torch__.Ops, q: Tensor, k: Tensor, v: Tensor, n_rep: int, dropout_p: float, scale: float) -> Tensor:
    k = self.repeat_kv(k, n_rep)
    v = self.repeat_kv(v, n_rep)
    out = torch.scaled_dot_product_attention(q, k, v, None, dropout_p, True, scale=scale)
    return self.merge_heads(out)
  def sdpa_masked(self: __torch__.Ops, q: Tensor, k: Tensor, v: Tensor, mask: Tensor, n_rep: int, dropout_p: float, scale: float) -> Tensor:
    k = self.repeat_kv(k, n_rep)
    v = self.repeat_kv(v, n_rep)
    out = torch.scaled_dot_product_attention(q, k, v, mask, dropout_p, False, scale=scale)
    return self.merge_heads(out)
  def document_mask(self: __torch__.Ops, doc_ids: Tensor, window: int) -> Tensor:
    s = torch.size(doc_ids, 1)
    same = torch.eq(torch.unsqueeze(doc_ids, 2), torch.unsqueeze(doc_ids, 1))
    i = torch.unsqueeze(torch.arange(s, dtype=4, device=ops.prim.device(doc_ids)), 1)
    j = torch.unsqueeze(torch.arange(s, dtype=4, device=ops.prim.device(doc_ids)), 0)
    allowed = torch.logical_and(same, torch.le(j, i))
    if window > 0:
      allowed = torch.logical_and(allowed, torch.lt(torch.sub(i, j), window))
    return torch.unsqueeze(allowed, 1)
  def cache_mask(self: __torch__.Ops, q_len: int, k_len: int, window: int, device_like: Tensor) -> Tensor:
    past = k_len - q_len
    i = torch.unsqueeze(torch.add(torch.arange(q_len, dtype=4, device=ops.prim.device(device_like)), past), 1)
    j = torch.unsqueeze(torch.arange(k_len, dtype=4, device=ops.prim.device(device_like)), 0)
    allowed = torch.le(j, i)
    if window > 0:
      allowed = torch.logical_and(allowed, torch.lt(torch.sub(i, j), window))
    return torch.unsqueeze(torch.unsqueeze(allowed, 0), 0)
  def cross_entropy_sum(self: __torch__.Ops, logits: Tensor, labels: Tensor) -> Tensor:
    v = torch.size(logits, -1)
    lg = torch.to(torch.reshape(torch.slice(logits, 1, 0, -1), [-1, v]), torch.promote_types(ops.prim.dtype(logits), 6))
    lb = torch.reshape(torch.slice(labels, 1, 1, 9223372036854775807), [-1])
    return torch.cross_entropy_loss(lg, lb, None, 2, -100, 0.)
  def cross_entropy_tokens(self: __torch__.Ops, logits: Tensor, labels: Tensor) -> Tensor:
    b = torch.size(logits, 0)
    v = torch.size(logits, -1)
    lg = torch.to(torch.reshape(torch.slice(logits, 1, 0, -1), [-1, v]), torch.promote_types(ops.prim.dtype(logits), 6))
    lb = torch.reshape(torch.slice(labels, 1, 1, 9223372036854775807), [-1])
    return torch.reshape(torch.cross_entropy_loss(lg, lb, None, 0, -100, 0.), [b, -1])
  def grad_norm(self: __torch__.Ops, grads: List[Tensor]) -> Tensor:
    norms = torch.stack(torch._foreach_norm(grads, 2))
    return torch.linalg_vector_norm(torch.to(norms, torch.promote_types(ops.prim.dtype(norms), 6)), 2)
  def clip_grad_norm(self: __torch__.Ops, grads: List[Tensor], max_norm: float) -> Tensor:
    total = self.grad_norm(grads)
    coef = torch.clamp(torch.mul(torch.reciprocal(torch.add(total, 1.0e-6)), max_norm), None, 1.)
    torch._foreach_mul_(grads, coef)
    return total
  def lion_step(self: __torch__.Ops, params: List[Tensor], grads: List[Tensor], exp_avgs: List[Tensor], lr: float, decay: float, beta1: float, beta2: float) -> None:
    if decay != 1.:
      torch._foreach_mul_(params, decay)
    update = torch._foreach_lerp(exp_avgs, grads, 1. - beta1)
    torch._foreach_sign_(update)
    torch._foreach_add_(params, update, alpha=-lr)
    torch._foreach_lerp_(exp_avgs, grads, 1. - beta2)
  def adamw_step(self: __torch__.Ops, params: List[Tensor], grads: List[Tensor], exp_avgs: List[Tensor], exp_avg_sqs: List[Tensor], steps: List[Tensor], lr: float, decay: float, beta1: float, beta2: float, eps: float) -> None:
    if decay != 1.:
      torch._foreach_mul_(params, decay)
    torch._foreach_add_(steps, 1.)
    no_max : List[Tensor] = []
    torch._fused_adam_(params, grads, exp_avgs, exp_avg_sqs, no_max, steps, lr=lr, beta1=beta1, beta2=beta2, weight_decay=0., eps=eps, amsgrad=False, maximize=False)
  def zero_grads(self: __torch__.Ops, grads: List[Tensor]) -> None:
    torch._foreach_zero_(grads)
  def residual_add(self: __torch__.Ops, h: Tensor, x: Tensor, p: float, train: bool) -> Tensor:
    if p > 0.:
      x = torch.dropout(x, p, train)
    return torch.add(h, x)
  def cache_append(self: __torch__.Ops, cache: Tensor, x: Tensor) -> Tensor:
    if torch.numel(cache) == 0:
      return x
    return torch.cat([cache, torch.to(x, ops.prim.dtype(cache))], 2)
  def last_logits(self: __torch__.Ops, logits: Tensor) -> Tensor:
    return torch.to(torch.select(logits, 1, -1), torch.promote_types(ops.prim.dtype(logits), 6))
  def float_copy(self: __torch__.Ops, x: Tensor) -> Tensor:
    return torch.to(x, 6, False, True)
  def copy_into(self: __torch__.Ops, dst: Tensor, src: Tensor) -> None:
    torch.copy_(dst, src)
  def merge_lora(self: __torch__.Ops, weight: Tensor, lora_a: Tensor, lora_b: Tensor, scaling: float) -> None:
    torch.add_(weight, torch.mul(torch.matmul(lora_b, lora_a), scaling))
  def ce_chunks(self: __torch__.Ops, h: Tensor, weight: Tensor, labels: Tensor, chunk: int, scale: float, bf16: bool, mode: int, weight_grad: bool, softcap: float) -> List[Tensor]:
    b = torch.size(h, 0)
    s = torch.size(h, 1)
    hidden = torch.size(h, 2)
    flat = torch.reshape(torch.slice(h, 1, 0, -1), [-1, hidden])
    lb = torch.reshape(torch.slice(labels, 1, 1, 9223372036854775807), [-1])
    n = torch.size(flat, 0)
    total = torch.zeros([], dtype=torch.promote_types(ops.prim.dtype(h), 6), device=ops.prim.device(h))
    if mode != 0:
      flat = torch.requires_grad_(torch.detach(flat), True)
    if mode == 2 and weight_grad:
      weight = torch.requires_grad_(torch.detach(weight), True)
    gh : List[Tensor] = []
    gw = self.empty(weight)
    start = 0
    while start < n:
      end = min(start + chunk, n)
      hc = torch.slice(flat, 0, start, end)
      lg = torch.to(self.linear(hc, weight, self.empty(hc), bf16), torch.promote_types(ops.prim.dtype(hc), 6))
      if softcap > 0.:
        lg = self.softcap(lg, softcap)
      loss = torch.cross_entropy_loss(lg, torch.slice(lb, 0, start, end), None, 2, -100, 0.)
      total = torch.add(total, torch.detach(loss))
      if mode == 1:
        torch.autograd.backward([torch.mul(loss, scale)])
      elif mode == 2:
        if weight_grad:
          gs = torch.autograd.grad([torch.mul(loss, scale)], [hc, weight])
          g1 = gs[1]
          if g1 is not None:
            if torch.numel(gw) == 0:
              gw = g1
            else:
              gw = torch.add(gw, g1)
        else:
          gs = torch.autograd.grad([torch.mul(loss, scale)], [hc])
        g0 = gs[0]
        if g0 is not None:
          gh.append(g0)
      start = end
    if mode == 0:
      return [total]
    if mode == 1:
      g = ops.prim.grad(flat)
      if g is None:
        grad_flat = torch.zeros_like(flat)
      else:
        grad_flat = g
    else:
      if len(gh) == 0:
        grad_flat = torch.zeros_like(flat)
      else:
        grad_flat = torch.cat(gh, 0)
    grad_h = torch.cat([torch.reshape(grad_flat, [b, s - 1, hidden]), torch.zeros([b, 1, hidden], dtype=ops.prim.dtype(grad_flat), device=ops.prim.device(h))], 1)
    if weight_grad and torch.numel(gw) == 0:
      gw = torch.zeros_like(weight)
    return [total, torch.to(grad_h, ops.prim.dtype(h)), gw]
  def ce_surrogate(self: __torch__.Ops, h: Tensor, weight: Tensor, labels: Tensor, chunk: int, bf16: bool, weight_grad: bool, softcap: float) -> Tensor:
    r = self.ce_chunks(torch.detach(h), weight, labels, chunk, 1., bf16, 2, weight_grad, softcap)
    surrogate = torch.sum(torch.mul(h, r[1]))
    if weight_grad:
      surrogate = torch.add(surrogate, torch.sum(torch.mul(weight, r[2])))
    return torch.add(r[0], torch.to(torch.sub(surrogate, torch.detach(surrogate)), ops.prim.dtype(r[0])))
  def empty(self: __torch__.Ops, like: Tensor) -> Tensor:
    return torch.zeros([0], dtype=ops.prim.dtype(like), device=ops.prim.device(like))
  def optional_list(self: __torch__.Ops, xs: List[Tensor]) -> List[Optional[Tensor]]:
    out : List[Optional[Tensor]] = []
    for x in xs:
      out.append(x)
    return out
  def backward_from(self: __torch__.Ops, outputs: List[Tensor], grads: List[Tensor]) -> None:
    torch.autograd.backward(outputs, self.optional_list(grads))
  def grads_of(self: __torch__.Ops, outputs: List[Tensor], inputs: List[Tensor], grad_outputs: List[Tensor]) -> List[Tensor]:
    gs = torch.autograd.grad(outputs, inputs, self.optional_list(grad_outputs), None, False, True)
    out : List[Tensor] = []
    for i in range(len(gs)):
      g = gs[i]
      if g is None:
        out.append(torch.zeros_like(inputs[i]))
      else:
        out.append(g)
    return out
  def scalar_type(self: __torch__.Ops, x: Tensor) -> Tensor:
    return torch.tensor(ops.prim.dtype(x), dtype=4)
  def zeros_like(self: __torch__.Ops, x: Tensor) -> Tensor:
    return torch.zeros_like(x)
  def round_bf16(self: __torch__.Ops, x: Tensor) -> Tensor:
    m, e = torch.frexp(torch.to(x, 6))
    q = torch.div(torch.floor(torch.add(torch.mul(m, 256.), torch.rand_like(m))), 256.)
    return torch.to(torch.ldexp(q, e), 15)
  def lion_step_sr(self: __torch__.Ops, params: List[Tensor], grads: List[Tensor], exp_avgs: List[Tensor], lr: float, decay: float, beta1: float, beta2: float) -> None:
    piece = 1048576
    for i in range(len(params)):
      pf = torch.reshape(params[i], [-1])
      gf = torch.reshape(grads[i], [-1])
      mf = torch.reshape(exp_avgs[i], [-1])
      n = torch.numel(pf)
      start = 0
      while start < n:
        end = min(start + piece, n)
        p = torch.slice(pf, 0, start, end)
        g32 = torch.to(torch.slice(gf, 0, start, end), 6)
        m = torch.slice(mf, 0, start, end)
        m32 = torch.to(m, 6)
        p32 = torch.to(p, 6)
        if decay != 1.:
          p32 = torch.mul(p32, decay)
        update = torch.sign(torch.lerp(m32, g32, 1. - beta1))
        p32 = torch.add(p32, update, alpha=-lr)
        m32 = torch.lerp(m32, g32, 1. - beta2)
        torch.copy_(p, self.round_bf16(p32))
        torch.copy_(m, self.round_bf16(m32))
        start = end
  def adamw_step_sr(self: __torch__.Ops, params: List[Tensor], grads: List[Tensor], exp_avgs: List[Tensor], exp_avg_sqs: List[Tensor], steps: List[Tensor], lr: float, decay: float, beta1: float, beta2: float, eps: float) -> None:
    piece = 1048576
    for i in range(len(params)):
      torch.add_(steps[i], 1.)
      bc1 = torch.rsub(torch.pow(beta1, steps[i]), 1.)
      bc2 = torch.rsub(torch.pow(beta2, steps[i]), 1.)
      pf = torch.reshape(params[i], [-1])
      gf = torch.reshape(grads[i], [-1])
      mf = torch.reshape(exp_avgs[i], [-1])
      vf = torch.reshape(exp_avg_sqs[i], [-1])
      n = torch.numel(pf)
      start = 0
      while start < n:
        end = min(start + piece, n)
        p = torch.slice(pf, 0, start, end)
        m = torch.slice(mf, 0, start, end)
        v = torch.slice(vf, 0, start, end)
        g32 = torch.to(torch.slice(gf, 0, start, end), 6)
        p32 = torch.to(p, 6)
        if decay != 1.:
          p32 = torch.mul(p32, decay)
        m32 = torch.lerp(torch.to(m, 6), g32, 1. - beta1)
        v32 = torch.add(torch.mul(torch.to(v, 6), beta2), torch.mul(torch.mul(g32, g32), 1. - beta2))
        denom = torch.add(torch.div(torch.sqrt(v32), torch.sqrt(bc2)), eps)
        p32 = torch.sub(p32, torch.mul(torch.div(m32, denom), torch.div(lr, bc1)))
        torch.copy_(p, self.round_bf16(p32))
        torch.copy_(m, self.round_bf16(m32))
        torch.copy_(v, self.round_bf16(v32))
        start = end
  # ---- mixtral ----
  # Sparse MoE (HF MixtralSparseMoeBlock, docs/models.md §8): router probabilities are a softmax in fp32 (or
  # float64) over the experts; top-k picks with ties going to the lower expert index (a stable descending sort), the k
  # weights renormalised to sum to 1. Tokens are dispatched per expert: positions p index the flattened [tokens, k]
  # picks, token = p // k.
  def moe_top_k(self: __torch__.Ops, probs: Tensor, top_k: int) -> List[Tensor]:
    values, indices = torch.sort(probs, stable=True, dim=1, descending=True)
    return [torch.slice(values, 1, 0, top_k), torch.slice(indices, 1, 0, top_k)]
  def moe_probs(self: __torch__.Ops, logits: Tensor) -> Tensor:
    flat = torch.reshape(logits, [-1, torch.size(logits, -1)])
    return torch.softmax(flat, 1, torch.promote_types(ops.prim.dtype(flat), 6))
  def moe_route(self: __torch__.Ops, logits: Tensor, top_k: int, like: Tensor) -> List[Tensor]:
    picked = self.moe_top_k(self.moe_probs(logits), top_k)
    weights = torch.div(picked[0], torch.sum(picked[0], [1], True))
    return [torch.to(weights, ops.prim.dtype(like)), picked[1]]
  def moe_dispatch(self: __torch__.Ops, selected: Tensor, n_experts: int) -> List[Tensor]:
    flat = torch.reshape(selected, [-1])
    out : List[Tensor] = []
    for e in range(n_experts):
      out.append(torch.reshape(torch.nonzero(torch.eq(flat, e)), [-1]))
    return out
  def moe_gather(self: __torch__.Ops, x: Tensor, positions: Tensor, top_k: int) -> Tensor:
    flat = torch.reshape(x, [-1, torch.size(x, -1)])
    return torch.index_select(flat, 0, torch.div(positions, top_k, rounding_mode="floor"))
  def moe_combine(self: __torch__.Ops, x: Tensor, ys: List[Tensor], positions: List[Tensor], weights: Tensor, top_k: int) -> Tensor:
    hidden = torch.size(x, -1)
    n = torch.size(torch.reshape(x, [-1, hidden]), 0)
    if len(ys) == 0:
      return torch.zeros_like(x)
    y = torch.cat(ys, 0)
    pos = torch.cat(positions, 0)
    w = torch.index_select(torch.reshape(weights, [-1]), 0, pos)
    out = torch.zeros([n, hidden], dtype=ops.prim.dtype(y), device=ops.prim.device(y))
    out = torch.index_add(out, 0, torch.div(pos, top_k, rounding_mode="floor"), torch.mul(y, torch.unsqueeze(w, 1)))
    return torch.reshape(out, torch.size(x))
  def moe_experts(self: __torch__.Ops, x: Tensor, positions: List[Tensor], w1: List[Tensor], w3: List[Tensor], w2: List[Tensor], weights: Tensor, top_k: int, ffn_dropout: float, train: bool, bf16: bool) -> Tensor:
    # every expert with tokens in one call (plain weights: no LoRA, no int8); positions[e] empty = expert unused
    ys : List[Tensor] = []
    used : List[Tensor] = []
    for e in range(len(positions)):
      pos = positions[e]
      if torch.numel(pos) > 0:
        xe = self.moe_gather(x, pos, top_k)
        act = self.silu_mul(self.linear(xe, w1[e], self.empty(w1[e]), bf16), self.linear(xe, w3[e], self.empty(w3[e]), bf16))
        if ffn_dropout > 0.:
          act = torch.dropout(act, ffn_dropout, train)
        ys.append(self.linear(act, w2[e], self.empty(w2[e]), bf16))
        used.append(pos)
    return self.moe_combine(x, ys, used, weights, top_k)
  # Load-balancing loss (HF load_balancing_loss_func): with all layers' picks counted together, F[e] = sum over the k
  # slots of the share of counted tokens whose slot picks e (no gradient, as HF's one_hot), and the loss is
  # E * sum_e F[e] * P[e], P[e] the mean router probability of e over all layers' counted tokens (mask: 1 = counts).
  # It is linear in each layer's probabilities, so it splits into per-layer parts for the layer-by-layer backward.
  def moe_aux_frequencies(self: __torch__.Ops, logits: List[Tensor], mask: Tensor, top_k: int) -> Tensor:
    e = torch.size(logits[0], -1)
    counted = torch.zeros([e], dtype=7, device=ops.prim.device(mask))
    for l in logits:
      probs = self.moe_probs(torch.detach(l))
      picked = self.moe_top_k(probs, top_k)
      hits = torch.sum(torch.one_hot(picked[1], e), [1])
      m = torch.to(torch.reshape(mask, [-1, 1]), 7)
      counted = torch.add(counted, torch.sum(torch.mul(torch.to(hits, 7), m), [0]))
    total = torch.mul(torch.clamp_min(torch.sum(torch.to(mask, 7)), 1.), len(logits))
    return torch.div(counted, total)
  def moe_aux_part(self: __torch__.Ops, logits: Tensor, mask: Tensor, freq: Tensor, n_layers: int) -> Tensor:
    probs = self.moe_probs(logits)
    e = torch.size(probs, 1)
    m = torch.to(torch.reshape(mask, [-1, 1]), ops.prim.dtype(probs))
    per_expert = torch.sum(torch.mul(probs, m), [0])
    denom = torch.mul(torch.clamp_min(torch.sum(m), 1.), n_layers)
    return torch.div(torch.mul(torch.sum(torch.mul(per_expert, torch.to(freq, ops.prim.dtype(probs)))), e), denom)
  def moe_aux_loss(self: __torch__.Ops, logits: List[Tensor], mask: Tensor, top_k: int) -> Tensor:
    freq = self.moe_aux_frequencies(logits, mask, top_k)
    total = torch.zeros([], dtype=torch.promote_types(ops.prim.dtype(logits[0]), 6), device=ops.prim.device(mask))
    for l in logits:
      total = torch.add(total, self.moe_aux_part(l, mask, freq, len(logits)))
    return total
  # ---- gemma2 ----
  # Gemma 2 (docs/models.md §9): RMSNorm scaled by (1 + w) in fp32, GELU-tanh gated MLP, embeddings times
  # sqrt(hidden) rounded to the compute dtype, tanh soft-capping of attention scores and of the final logits.
  def rms_norm_one_plus(self: __torch__.Ops, x: Tensor, weight: Tensor, eps: float) -> Tensor:
    x32 = torch.to(x, torch.promote_types(ops.prim.dtype(x), 6))
    var = torch.mean(torch.mul(x32, x32), [-1], True)
    y = torch.mul(x32, torch.rsqrt(torch.add(var, eps)))
    y = torch.mul(y, torch.add(torch.to(weight, ops.prim.dtype(x32)), 1.))
    return torch.to(y, ops.prim.dtype(x))
  def gelu_tanh_mul(self: __torch__.Ops, gate: Tensor, up: Tensor) -> Tensor:
    return torch.mul(torch.gelu(gate, approximate="tanh"), up)
  def scale_in_dtype(self: __torch__.Ops, x: Tensor, scale: float) -> Tensor:
    normalizer = torch.to(torch.full([], scale, dtype=7, device=ops.prim.device(x)), ops.prim.dtype(x))
    return torch.mul(x, normalizer)
  def softcap(self: __torch__.Ops, x: Tensor, cap: float) -> Tensor:
    return torch.mul(torch.tanh(torch.div(x, cap)), cap)
  def sdpa_softcap(self: __torch__.Ops, q: Tensor, k: Tensor, v: Tensor, mask: Tensor, n_rep: int, dropout_p: float, scale: float, cap: float) -> Tensor:
    k = self.repeat_kv(k, n_rep)
    v = self.repeat_kv(v, n_rep)
    scores = self.softcap(torch.mul(torch.matmul(q, torch.transpose(k, -2, -1)), scale), cap)
    scores = torch.masked_fill(scores, torch.logical_not(mask), float("-inf"))
    probs = torch.to(torch.softmax(scores, -1, torch.promote_types(ops.prim.dtype(scores), 6)), ops.prim.dtype(q))
    if dropout_p > 0.:
      probs = torch.dropout(probs, dropout_p, True)
    return self.merge_heads(torch.matmul(probs, v))
  # ---- phi3 ----
  def split_qkv(self: __torch__.Ops, qkv: Tensor, q_size: int, kv_size: int) -> List[Tensor]:
    q = torch.slice(qkv, -1, 0, q_size)
    k = torch.slice(qkv, -1, q_size, q_size + kv_size)
    v = torch.slice(qkv, -1, q_size + kv_size, q_size + 2 * kv_size)
    return [q, k, v]
  def gate_up_silu(self: __torch__.Ops, gate_up: Tensor, inter: int) -> Tensor:
    gate = torch.slice(gate_up, -1, 0, inter)
    up = torch.slice(gate_up, -1, inter, 2 * inter)
    return torch.mul(up, torch.silu(gate))
  def rope_tables_scaled(self: __torch__.Ops, positions: Tensor, inv_freq: Tensor, factor: float) -> List[Tensor]:
    freqs = torch.mul(torch.unsqueeze(torch.to(positions, ops.prim.dtype(inv_freq)), -1), inv_freq)
    emb = torch.cat([freqs, freqs], -1)
    return [torch.mul(torch.cos(emb), factor), torch.mul(torch.sin(emb), factor)]
  def rope_partial(self: __torch__.Ops, x: Tensor, cos: Tensor, sin: Tensor, n_heads: int, head_dim: int, rot_dim: int) -> Tensor:
    b = torch.size(x, 0)
    s = torch.size(x, 1)
    h = torch.transpose(torch.reshape(x, [b, s, n_heads, head_dim]), 1, 2)
    c = torch.to(torch.unsqueeze(cos, 1), ops.prim.dtype(h))
    sn = torch.to(torch.unsqueeze(sin, 1), ops.prim.dtype(h))
    r = torch.slice(h, -1, 0, rot_dim)
    half = rot_dim // 2
    x1 = torch.slice(r, -1, 0, half)
    x2 = torch.slice(r, -1, half, rot_dim)
    rotated = torch.cat([torch.neg(x2), x1], -1)
    return torch.cat([torch.add(torch.mul(r, c), torch.mul(rotated, sn)), torch.slice(h, -1, rot_dim, head_dim)], -1)
