class CudaOps(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  def sdpa_varlen(self: __torch__.CudaOps, q: Tensor, k: Tensor, v: Tensor, cu: Tensor, max_len: int, dropout_p: float, scale: float, window: int) -> Tensor:
    b = torch.size(q, 0)
    h = torch.size(q, 1)
    s = torch.size(q, 2)
    d = torch.size(q, 3)
    hk = torch.size(k, 1)
    qf = torch.reshape(torch.transpose(q, 1, 2), [b * s, h, d])
    kf = torch.reshape(torch.transpose(k, 1, 2), [b * s, hk, d])
    vf = torch.reshape(torch.transpose(v, 1, 2), [b * s, hk, d])
    left = -1
    if window > 0:
      left = window - 1
    out, lse, rng, unused, dbg = torch._flash_attention_forward(qf, kf, vf, cu, cu, max_len, max_len, dropout_p, True, False, scale=scale, window_size_left=left, window_size_right=0)
    return torch.reshape(out, [b, s, h * d])
