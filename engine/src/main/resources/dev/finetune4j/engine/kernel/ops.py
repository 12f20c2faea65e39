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
    norms = torch._foreach_norm(grads, 2)
    return torch.linalg_vector_norm(torch.stack(norms), 2)
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
