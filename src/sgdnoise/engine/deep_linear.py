"""Deep linear networks (Corlouer et al. 2026): online SGD, full-batch GD, gradient flow, the SGD SDE and
isotropic Langevin dynamics for a block of seeds, compiled with numba.

Network f(x) = W_L ... W_1 x with W_l of shape (d_l, d_{l-1}); per-sample loss 1/2 ||y - W x||^2 summed
over outputs; teacher y = M x + xi_q with x ~ N(0, I), xi_q ~ N(0, sigma_q^2 I) (Sec. 2.3, App. H).
Continuum time is t = eta * k for SGD and GD; the SDE, Langevin and flow kernels step in dt of t.

Every kernel records, every `record_every` steps, the end-to-end product in the teacher's singular basis
U^T W V (diagonal: mode amplitudes w_alpha; off-diagonal: cross modes), the population loss (or, for GD,
the training loss), optionally the modewise noise variance a_alpha^T Sigma a_alpha of Prop. 3.3 and the
weights. Online SGD can also accumulate, per record interval, the one-step increments of the leading
`increment_modes` mode amplitudes (sum of dw_alpha, of dw_alpha^2 and of w_alpha over the interval's steps): the
realised diffusion Var(dw_alpha) / eta of Prop. 3.3 without storing every step. Streaming moments run over
[U^T W V, loss]; the thinned trace keeps whole records.

Random numbers are standard normals drawn per seed and per chunk from the seed's own Generator
(recording.RandomStreams), in this order within a step:
  online SGD: the b inputs x (b * d_0), then, if sigma_q > 0, the b label noises (b * d_L);
  SDE: the upper triangle (row-major, with diagonal) of the d_0 x d_0 symmetric Gaussian Z, then, if
       sigma_q > 0, the d_L x d_0 label-noise matrix (row-major);
  Langevin: one normal per parameter, in the order of the flattened parameters.

Online SGD and the Euler kernel (GD, SDE, Langevin) advance seeds in blocks of LANES = 8, one SIMD vector per
matrix entry (lanes.py; threads share out blocks, so a run of <= 8 seeds uses one thread, and multiples of 8 use
every lane); the RK4 flow and matched-Langevin kernels go seed by seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numba
import numpy as np

from . import pcg64
from .lanes import LANES, lane_empty, lanes_axpy, lanes_gemm, lanes_rank_update
from .recording import Recorder, RandomStreams, Schedule, run_chunks
from .seed_blocks import over_seeds

_NO_NOISE, _SGD_NOISE, _ISOTROPIC_NOISE = 0, 1, 2
_INCREMENT_SUMS = 3  # per mode and record interval: sum of dw, sum of dw^2, sum of w after each step


# ------------------------------------------------------------------------------------------ layout
class _Layout:
    """Offsets of the weights W_l, the prefix products W_<l (d_{l-1} x d_0) and the suffix products
    W_>l (d_L x d_l) in flat per-seed buffers; layer l = 1..L is index l - 1."""

    def __init__(self, widths: Sequence[int]):
        self.widths = np.asarray(widths, dtype=np.int64)
        d = self.widths
        L, d0, dL = d.size - 1, d[0], d[-1]
        self.depth = L
        self.weights = np.concatenate([[0], np.cumsum(d[1:] * d[:-1])]).astype(np.int64)
        self.prefix = np.concatenate([[0], np.cumsum(d[:-1] * d0)]).astype(np.int64)
        self.suffix = np.concatenate([[0], np.cumsum(dL * d[1:])]).astype(np.int64)
        self.n_params = int(self.weights[-1])
        self.n_modes = int(min(d0, dL))

    def record_dim(self, noise_variance_modes: int, record_weights: bool, increment_modes: int = 0) -> int:
        return (int(self.widths[0] * self.widths[-1]) + 1 + noise_variance_modes + (self.n_params if record_weights else 0)
                + _INCREMENT_SUMS * increment_modes)


# ------------------------------------------------------------------------------- small matrix algebra
# Hand loops: at 12 x 12 a BLAS call costs more than the product. Every product is taken as out = A B^T, each
# entry one dot product of two contiguous rows with a scalar accumulator: 12 x 12 in ~0.22 us, against ~0.75 us
# for the row-times-matrix loop, whose stores LLVM must keep in order because numba arrays may alias. Operands
# are transposed where needed (O(d^2), cheap next to the O(d^3) products). fastmath lets LLVM vectorise the
# dot products; the rounding stays deterministic for a given compiled kernel.
@numba.njit(cache=True, fastmath=True)
def _view(flat, offsets, l, rows, cols):
    return flat[offsets[l] : offsets[l] + rows * cols].reshape((rows, cols))


@numba.njit(cache=True, fastmath=True)
def _matmul_nt(a, b, out, accumulate):
    """out = a @ b.T, or out += a @ b.T."""
    m, k = a.shape
    n = b.shape[0]
    for i in range(m):
        for j in range(n):
            acc = out[i, j] if accumulate else 0.0
            for p in range(k):
                acc += a[i, p] * b[j, p]
            out[i, j] = acc


@numba.njit(cache=True, fastmath=True)
def _transpose(a, work):
    """a.T, written into the front of the flat scratch buffer `work`."""
    m, n = a.shape
    out = work[: m * n].reshape((n, m))
    for i in range(m):
        for j in range(n):
            out[j, i] = a[i, j]
    return out


# Copies by hand rather than by slice assignment: numba's slice assignment checks the shapes at run time with an error
# message formatted from them, and that string code (unicode concat, join, ...) would be compiled into every kernel.
@numba.njit(cache=True, fastmath=True)
def _copy(a, out):
    """out[...] = a for 2-d arrays of one shape."""
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[i, j] = a[i, j]


@numba.njit(cache=True, fastmath=True)
def _products(theta, widths, offsets, prefix, pre_off, suffix, suf_off, product, work):
    """Prefix products W_<l, suffix products W_>l (Prop. 3.1) and the end-to-end product W = W_L ... W_1;
    `work` is scratch of at least max(d)^2 entries."""
    L = widths.size - 1
    d0, dL = widths[0], widths[L]
    first = _view(prefix, pre_off, 0, d0, d0)
    for i in range(d0):
        for j in range(d0):
            first[i, j] = 1.0 if i == j else 0.0
    for l in range(L - 1):  # W_<(l+2) = W_(l+1) W_<(l+1)
        w = _view(theta, offsets, l, widths[l + 1], widths[l])
        nxt = _view(prefix, pre_off, l + 1, widths[l + 1], d0)
        if l == 0:
            _copy(w, nxt)
        else:
            _matmul_nt(w, _transpose(_view(prefix, pre_off, l, widths[l], d0), work), nxt, False)
    _matmul_nt(_view(theta, offsets, L - 1, dL, widths[L - 1]), _transpose(_view(prefix, pre_off, L - 1, widths[L - 1], d0), work), product, False)
    last = _view(suffix, suf_off, L - 1, dL, dL)
    for i in range(dL):
        for j in range(dL):
            last[i, j] = 1.0 if i == j else 0.0
    for l in range(L - 1, 0, -1):  # W_>l = W_>(l+1) W_(l+1)
        w = _view(theta, offsets, l, widths[l + 1], widths[l])
        nxt = _view(suffix, suf_off, l - 1, dL, widths[l])
        if l == L - 1:
            _copy(w, nxt)
        else:
            _matmul_nt(_view(suffix, suf_off, l, dL, widths[l + 1]), _transpose(w, work), nxt, False)


@numba.njit(cache=True, fastmath=True)
def _sandwich_add(out, widths, offsets, prefix, pre_off, suffix, suf_off, r, work):
    """out_l += W_>l^T R W_<l^T for every layer: the gradient form of Prop. 3.1 (R = Delta) and of the
    per-layer gradient noise (App. B, R = eps x^T - Delta); one R drives all layers, as in SGD.
    `work` is scratch of at least 2 max(d)^2 entries."""
    L = widths.size - 1
    d0, dL = widths[0], widths[L]
    dmax = widths.max()
    for l in range(L):
        rows, cols = widths[l + 1], widths[l]
        target = _view(out, offsets, l, rows, cols)
        # (R W_<l^T)^T = W_<l R^T, (cols x d_L), in the second half of the scratch
        right_t = work[dmax * dmax : dmax * dmax + cols * dL].reshape((cols, dL))
        if l == 0:
            for i in range(dL):
                for j in range(d0):
                    right_t[j, i] = r[i, j]
        else:
            _matmul_nt(_view(prefix, pre_off, l, cols, d0), r, right_t, False)
        if l == L - 1:
            for i in range(rows):
                for j in range(cols):
                    target[i, j] += right_t[j, i]
        else:  # target += W_>l^T (R W_<l^T)
            _matmul_nt(_transpose(_view(suffix, suf_off, l, dL, rows), work), right_t, target, True)


# Every kernel passes whitened, label_noise_std, noise_variance and record_weights on from its own arguments, never as
# constants: numba compiles a helper anew for each constant (literal) argument, and _record is the costliest helper.
@numba.njit(cache=True, fastmath=True)
def _record(theta, widths, offsets, prefix, pre_off, suffix, suf_off, product, teacher, left, right, target, sigma_xx,
            whitened, loss_floor, label_noise_std, noise_variance, record_weights, out):
    """One record: [U^T W V (row-major), loss, a_alpha^T Sigma a_alpha for the `noise_variance` leading modes, weights]
    (module docstring).

    The loss is loss_floor + 1/2 <(W - W*) Sigma_xx, W - W*>, exact for the population (W* = M,
    Sigma_xx = I, floor = d_L sigma_q^2 / 2) and for a dataset (W* its least-squares solution).
    The modewise variance uses K = sum_l W_>l A_l W_<l, Mk = Delta^T K:
    a^T Sigma a = ||Mk + Mk^T||_F^2 / 2 + sigma_q^2 ||K||_F^2 (the App. B covariance contracted with a).
    """
    L = widths.size - 1
    d0, dL = widths[0], widths[L]
    tmp = np.empty((dL, d0))
    for i in range(dL):  # tmp = U^T W
        for j in range(d0):
            tmp[i, j] = 0.0
        for p in range(dL):
            u = left[p, i]
            for j in range(d0):
                tmp[i, j] += u * product[p, j]
    for i in range(dL):
        for j in range(d0):
            acc = 0.0
            for p in range(d0):
                acc += tmp[i, p] * right[p, j]
            out[i * d0 + j] = acc
    pos = dL * d0
    diff = product - target
    loss = 0.0
    if whitened:
        for i in range(dL):
            for j in range(d0):
                loss += diff[i, j] * diff[i, j]
    else:
        for i in range(dL):
            for j in range(d0):
                acc = 0.0
                for p in range(d0):
                    acc += diff[i, p] * sigma_xx[p, j]
                loss += acc * diff[i, j]
    out[pos] = loss_floor + 0.5 * loss
    pos += 1
    if noise_variance > 0:  # the number of leading modes recorded
        delta = teacher - product
        n_modes = noise_variance
        k_mat = np.empty((dL, d0))
        m_mat = np.empty((d0, d0))
        inner = np.empty(widths.max())
        a = np.empty(dL)
        b = np.empty(d0)
        for alpha in range(n_modes):
            k_mat[:, :] = 0.0
            for l in range(L):
                dl = widths[l]
                suf = _view(suffix, suf_off, l, dL, widths[l + 1])
                pre = _view(prefix, pre_off, l, dl, d0)
                rows = widths[l + 1]
                for i in range(rows):  # a = W_>l W_>l^T u
                    acc = 0.0
                    for p in range(dL):
                        acc += suf[p, i] * left[p, alpha]
                    inner[i] = acc
                for p in range(dL):
                    acc = 0.0
                    for i in range(rows):
                        acc += suf[p, i] * inner[i]
                    a[p] = acc
                for i in range(dl):  # b = W_<l^T W_<l v
                    acc = 0.0
                    for j in range(d0):
                        acc += pre[i, j] * right[j, alpha]
                    inner[i] = acc
                for j in range(d0):
                    acc = 0.0
                    for i in range(dl):
                        acc += pre[i, j] * inner[i]
                    b[j] = acc
                for i in range(dL):
                    for j in range(d0):
                        k_mat[i, j] += a[i] * b[j]
            for i in range(d0):
                for j in range(d0):
                    acc = 0.0
                    for p in range(dL):
                        acc += delta[p, i] * k_mat[p, j]
                    m_mat[i, j] = acc
            var = 0.0
            for i in range(d0):
                for j in range(d0):
                    sym = m_mat[i, j] + m_mat[j, i]
                    var += 0.5 * sym * sym
            kk = 0.0
            for i in range(dL):
                for j in range(d0):
                    kk += k_mat[i, j] * k_mat[i, j]
            out[pos + alpha] = var + label_noise_std * label_noise_std * kk
        pos += n_modes
    if record_weights:
        for p in range(theta.size):  # not a slice assignment (see _copy)
            out[pos + p] = theta[p]


@numba.njit(cache=True, fastmath=True)
def _work_buffers(widths, pre_off, suf_off):
    """Prefix and suffix products, the end-to-end product and the scratch of _products / _sandwich_add."""
    d0, dL = widths[0], widths[-1]
    dmax = widths.max()
    return (np.empty(pre_off[-1]), np.empty(suf_off[-1]), np.empty((dL, d0)), np.empty(2 * dmax * dmax))


@numba.njit(cache=True, nogil=True, fastmath=True)
def _initial_records(theta, widths, offsets, pre_off, suf_off, teacher, left, right, target, sigma_xx, whitened, loss_floor,
                     label_noise_std, noise_variance, record_weights, records):
    for s in range(theta.shape[0]):
        prefix, suffix, product, work = _work_buffers(widths, pre_off, suf_off)
        _products(theta[s], widths, offsets, prefix, pre_off, suffix, suf_off, product, work)
        _record(theta[s], widths, offsets, prefix, pre_off, suffix, suf_off, product, teacher, left, right, target[s], sigma_xx[s],
                whitened, loss_floor[s], label_noise_std, noise_variance, record_weights, records[s])


# --------------------------------------------------------------------------------------------- kernels
@numba.njit(cache=True, fastmath=True)
def _lane_modes(th, widths, offsets, left, right, n_modes, vec_a, vec_b, out):
    """out[alpha, k] = u_alpha^T W_L ... W_1 v_alpha for every lane k of the interleaved parameters th (p, lane):
    v_alpha pushed through the layers by matrix-vector products, then contracted with u_alpha."""
    L = widths.size - 1
    n_lanes = th.shape[1]
    for alpha in range(n_modes):
        h, nxt = vec_a, vec_b
        for j in range(widths[0]):
            for k in range(n_lanes):
                h[j, k] = right[j, alpha]
        for l in range(L):
            rows, cols, off = widths[l + 1], widths[l], offsets[l]
            for i in range(rows):
                for k in range(n_lanes):
                    nxt[i, k] = 0.0
                for j in range(cols):
                    for k in range(n_lanes):
                        nxt[i, k] += th[off + i * cols + j, k] * h[j, k]
            h, nxt = nxt, h
        for k in range(n_lanes):
            out[alpha, k] = 0.0
        for i in range(widths[L]):
            u = left[i, alpha]
            for k in range(n_lanes):
                out[alpha, k] += u * h[i, k]


@numba.njit(cache=True, nogil=True, fastmath=True)
def _online_sgd_chunk(theta, widths, offsets, pre_off, suf_off, teacher, normals, step_size, batch_size, label_noise_std,
                      left, right, target, sigma_xx, whitened, loss_floor, noise_variance, record_weights, increment_modes, record_every, records):
    """Online SGD (Sec. 2.1) with a fresh Gaussian batch per step, by backpropagation, LANES seeds at once (lanes.py).

    Per layer, from the top: backpropagate every sample through the old W_l, then apply
    W_l += (eta / b) sum_k g_l^(k) h_{l-1}^(k)T. Lower layers are untouched until their turn, so this is
    exactly the update with all gradients at the old weights. A block's last lanes, past the final seed,
    repeat that seed and are discarded.

    With increment_modes > 0, after every step the leading mode amplitudes w_alpha = u_alpha^T W v_alpha are
    recomputed (vector products through the layers, no end-to-end product) and their increments summed into the
    record's last entries. Chunks hold whole record intervals, so no interval straddles two calls.
    """
    n_seeds, n_steps = normals.shape[0], normals.shape[1]
    L = widths.size - 1
    d0, dL = widths[0], widths[L]
    dmax = widths.max()
    n_params = theta.shape[1]
    for block in range((n_seeds + LANES - 1) // LANES):
        first = block * LANES
        n_live = min(LANES, n_seeds - first)
        th = lane_empty(n_params)  # th[p, k]: parameter p of lane k
        seed = _lane_block(theta, first, n_live, th)
        hidden = lane_empty(L * batch_size * dmax)  # input h_l of layer l for sample s at row (l b + s) dmax
        grad = lane_empty(batch_size * dmax)  # g_l = W_>l^T (y - W x), per sample
        grad_below = lane_empty(batch_size * dmax)
        teacher_lanes = _lane_teacher(teacher)
        prefix, suffix, product, _ = _work_buffers(widths, pre_off, suf_off)
        pre = lane_empty(pre_off[-1])  # the partial products of a record, for all lanes at once
        suf = lane_empty(suf_off[-1])
        _lane_identity(pre, 0, d0)
        _lane_identity(suf, suf_off[L - 1], dL)
        product_l = lane_empty(dL * d0)
        lane_theta = np.empty(n_params)
        vec_a = lane_empty(dmax)
        vec_b = lane_empty(dmax)
        previous = lane_empty(max(increment_modes, 1))
        current = lane_empty(max(increment_modes, 1))
        sums = np.zeros((max(increment_modes, 1), _INCREMENT_SUMS, LANES))
        if increment_modes > 0:
            _lane_modes(th, widths, offsets, left, right, increment_modes, vec_a, vec_b, previous)
        for t in range(n_steps):
            for b in range(batch_size):
                for j in range(d0):
                    for k in range(LANES):
                        hidden[b * dmax + j, k] = normals[seed[k], t, b * d0 + j]
            for l in range(L):  # h_(l+1)(s, i) = sum_j h_l(s, j) W_l(i, j); the top layer's output goes to grad
                rows, cols = widths[l + 1], widths[l]
                if l < L - 1:
                    lanes_gemm(hidden, (l + 1) * batch_size * dmax, dmax, 1, hidden, l * batch_size * dmax, dmax, 1, th, offsets[l], 1, cols,
                               batch_size, rows, cols, 1.0, False)
                else:
                    lanes_gemm(grad, 0, dmax, 1, hidden, l * batch_size * dmax, dmax, 1, th, offsets[l], 1, cols, batch_size, rows, cols, 1.0, False)
            lanes_axpy(grad, 0, grad, 0, batch_size * dmax, -1.0, False)  # error y - W x with y = M x + sigma_q xi
            lanes_gemm(grad, 0, dmax, 1, hidden, 0, dmax, 1, teacher_lanes, 0, 1, d0, batch_size, dL, d0, 1.0, True)
            if label_noise_std > 0.0:
                for b in range(batch_size):
                    noise_start = batch_size * d0 + b * dL
                    for i in range(dL):
                        for k in range(LANES):
                            grad[b * dmax + i, k] += label_noise_std * normals[seed[k], t, noise_start + i]
            for l in range(L - 1, -1, -1):
                rows, cols = widths[l + 1], widths[l]
                if l > 0:  # every sample through the old weight first
                    lanes_gemm(grad_below, 0, dmax, 1, grad, 0, dmax, 1, th, offsets[l], cols, 1, batch_size, cols, rows, 1.0, False)
                lanes_rank_update(th, offsets[l], cols, 1, grad, 0, 1, dmax, hidden, l * batch_size * dmax, dmax, 1, rows, cols, batch_size, step_size)
                if l > 0:
                    grad, grad_below = grad_below, grad
            if increment_modes > 0:
                _lane_modes(th, widths, offsets, left, right, increment_modes, vec_a, vec_b, current)
                for a in range(increment_modes):
                    for k in range(LANES):
                        dw = current[a, k] - previous[a, k]
                        sums[a, 0, k] += dw
                        sums[a, 1, k] += dw * dw
                        sums[a, 2, k] += current[a, k]
                        previous[a, k] = current[a, k]
            if (t + 1) % record_every == 0:
                index = (t + 1) // record_every - 1
                _record_lanes(th, widths, offsets, pre_off, suf_off, pre, suf, product_l, seed, n_live, lane_theta, prefix, suffix, product,
                              teacher, left, right, target, sigma_xx, whitened, loss_floor, label_noise_std, noise_variance, record_weights, records, index)
                for k in range(n_live):
                    row = records[seed[k], index]
                    base = row.size - _INCREMENT_SUMS * increment_modes
                    for a in range(increment_modes):
                        for c in range(_INCREMENT_SUMS):
                            row[base + _INCREMENT_SUMS * a + c] = sums[a, c, k]
                sums[:, :, :] = 0.0
        for k in range(n_live):
            for p in range(n_params):
                theta[seed[k], p] = th[p, k]


@numba.njit(cache=True, fastmath=True)
def _lane_block(theta, first, n_live, th):
    """Seeds first .. first + n_live - 1 into the lane array th (n_params, LANES); lanes past the last seed repeat it."""
    seed = np.empty(LANES, np.int64)
    for k in range(LANES):
        seed[k] = first + min(k, n_live - 1)
        for p in range(th.shape[0]):
            th[p, k] = theta[seed[k], p]
    return seed


@numba.njit(cache=True, fastmath=True)
def _lane_teacher(teacher):
    """The teacher M (shared by every seed) as a lane array."""
    out = lane_empty(teacher.size)
    for i in range(teacher.shape[0]):
        for j in range(teacher.shape[1]):
            for k in range(LANES):
                out[i * teacher.shape[1] + j, k] = teacher[i, j]
    return out


@numba.njit(cache=True, fastmath=True)
def _lane_identity(buf, off, d):
    for i in range(d):
        for j in range(d):
            for k in range(LANES):
                buf[off + i * d + j, k] = 1.0 if i == j else 0.0


@numba.njit(cache=True, fastmath=True)
def _lane_products(th, widths, offsets, pre, pre_off, suf, suf_off, product):
    """_products for a block of lanes: P_(l+1) = W_l P_l, W = W_L P_L, S_(l-1) = S_l W_l (block l of pre is
    W_<l, d_l x d_0; block l of suf is W_>l, d_L x d_(l+1)); the identities P_0 and S_(L-1) are set by the caller."""
    L = widths.size - 1
    d0, dL = widths[0], widths[L]
    for l in range(L - 1):
        rows, cols = widths[l + 1], widths[l]
        if l == 0:
            lanes_axpy(pre, pre_off[1], th, offsets[0], rows * cols, 1.0, False)
        else:
            lanes_gemm(pre, pre_off[l + 1], d0, 1, th, offsets[l], cols, 1, pre, pre_off[l], d0, 1, rows, d0, cols, 1.0, False)
    lanes_gemm(product, 0, d0, 1, th, offsets[L - 1], widths[L - 1], 1, pre, pre_off[L - 1], d0, 1, dL, d0, widths[L - 1], 1.0, False)
    for l in range(L - 1, 0, -1):
        rows, cols = widths[l + 1], widths[l]
        if l == L - 1:
            lanes_axpy(suf, suf_off[l - 1], th, offsets[l], rows * cols, 1.0, False)
        else:
            lanes_gemm(suf, suf_off[l - 1], cols, 1, suf, suf_off[l], rows, 1, th, offsets[l], cols, 1, dL, cols, rows, 1.0, False)


@numba.njit(cache=True, fastmath=True)
def _lane_sandwich_add(th, widths, offsets, pre, pre_off, suf, suf_off, r, right):
    """_sandwich_add for a block of lanes: W_l += W_>l^T R W_<l^T for every layer (R: d_L x d_0 lane matrix)."""
    L = widths.size - 1
    d0, dL = widths[0], widths[L]
    for l in range(L):
        rows, cols = widths[l + 1], widths[l]
        if l == 0:  # W_<1 = I
            src = r
        else:  # R W_<l^T, d_L x d_l
            lanes_gemm(right, 0, cols, 1, r, 0, d0, 1, pre, pre_off[l], 1, d0, dL, cols, d0, 1.0, False)
            src = right
        if l == L - 1:  # W_>L = I
            lanes_axpy(th, offsets[l], src, 0, rows * cols, 1.0, True)
        else:
            lanes_gemm(th, offsets[l], cols, 1, suf, suf_off[l], 1, rows, src, 0, cols, 1, rows, cols, dL, 1.0, True)


@numba.njit(cache=True, fastmath=True)
def _record_lanes(th, widths, offsets, pre_off, suf_off, pre, suf, product_l, seed, n_live, lane_theta, prefix, suffix, product, teacher,
                  left, right, target, sigma_xx, whitened, loss_floor, label_noise_std, noise_variance, record_weights, records, index):
    """One record (_record) of every live lane of a block: the partial products once for all lanes, then each lane's
    weights, product and (for the modewise noise variance) prefix and suffix products into the flat per-seed buffers."""
    _lane_products(th, widths, offsets, pre, pre_off, suf, suf_off, product_l)
    d0 = widths[0]
    for k in range(n_live):
        for p in range(th.shape[0]):
            lane_theta[p] = th[p, k]
        for i in range(product.shape[0]):
            for j in range(d0):
                product[i, j] = product_l[i * d0 + j, k]
        if noise_variance > 0:
            for q in range(prefix.size):
                prefix[q] = pre[q, k]
            for q in range(suffix.size):
                suffix[q] = suf[q, k]
        s = seed[k]
        _record(lane_theta, widths, offsets, prefix, pre_off, suffix, suf_off, product, teacher, left, right, target[s], sigma_xx[s],
                whitened, loss_floor[s], label_noise_std, noise_variance, record_weights, records[s, index])


@numba.njit(cache=True, nogil=True, fastmath=True)
def _euler_chunk(theta, widths, offsets, pre_off, suf_off, teacher, target, sigma_xx, whitened, states, n_draws, n_steps, dt, noise_kind,
                 noise_scale, label_noise_std, left, right, loss_floor, noise_variance, record_weights, record_every, records):
    """theta <- theta - dt g(theta) + noise: GD (no noise), Euler-Maruyama of the SDE (Eq. 1) or of Langevin dynamics.

    The drift is the gradient W_>l^T E W_<l^T with E = (W* - W) Sigma_xx (Prop. 3.1; E = Delta when whitened).
    SDE noise, matrix-free and exact in distribution: S = Delta Z + sigma_q N with Z = (Xi + Xi^T)/sqrt(2),
    N standard normal, so vec(S) ~ N(0, (I (x) Delta)(I + C)(I (x) Delta)^T + I (x) Sigma_q), and the
    per-layer noise W_>l^T S W_<l^T has covariance Sigma of Prop. 3.2 (App. B); noise_scale = sqrt(eta dt / b).
    Both enter one sandwich: W_l += W_>l^T (dt E + noise_scale S) W_<l^T.
    Langevin: W_l += W_>l^T dt E W_<l^T + noise_scale xi, noise_scale = sigma sqrt(eta dt) (App. H.3).
    Seeds advance in blocks of LANES (lanes.py); a block's lanes past the final seed repeat it and are discarded.
    A step's n_draws normals per seed are drawn in the block from the seeds' PCG64 `states` (pcg64.lane_normals), in
    the order numpy's Generator would give them.
    """
    n_seeds = theta.shape[0]
    L = widths.size - 1
    d0, dL = widths[0], widths[L]
    dmax = widths.max()
    n_params = theta.shape[1]
    sqrt2 = np.sqrt(2.0)
    for block in range((n_seeds + LANES - 1) // LANES):
        first = block * LANES
        n_live = min(LANES, n_seeds - first)
        th = lane_empty(n_params)
        seed = _lane_block(theta, first, n_live, th)
        pre = lane_empty(pre_off[-1])
        suf = lane_empty(suf_off[-1])
        _lane_identity(pre, 0, d0)
        _lane_identity(suf, suf_off[L - 1], dL)
        product = lane_empty(dL * d0)
        r = lane_empty(dL * d0)
        diff = lane_empty(dL * d0)
        z = lane_empty(d0 * d0)
        right_buf = lane_empty(dL * dmax)
        goal = lane_empty(dL * d0)  # W* per lane
        cov = lane_empty(d0 * d0)  # Sigma_xx per lane
        teacher_lanes = _lane_teacher(teacher)
        for k in range(LANES):
            for i in range(dL):
                for j in range(d0):
                    goal[i * d0 + j, k] = target[seed[k], i, j]
            for i in range(d0):
                for j in range(d0):
                    cov[i * d0 + j, k] = sigma_xx[seed[k], i, j]
        # The SDE of online SGD (whitened, W* = M): drift and noise share Delta = M - W, so
        # r = noise_scale Delta (Z + dt / noise_scale I) is one product
        fused = noise_kind == _SGD_NOISE and whitened and noise_scale > 0.0
        for q in range(dL * d0):
            for k in range(LANES):
                fused = fused and goal[q, k] == teacher_lanes[q, k]
        diagonal_shift = dt / noise_scale if fused else 0.0
        lane_states = np.zeros((LANES, pcg64.ROW), np.uint64)
        for k in range(n_live):
            lane_states[k, :] = states[seed[k], :]
        draws = lane_empty(n_draws)
        draws[:] = 0.0  # lanes past the last seed keep 0: their results are discarded
        raw = np.empty((LANES, n_draws), np.uint64)
        candidate = np.empty((LANES, n_draws))
        accepted = np.empty((LANES, n_draws), np.bool_)
        lane_theta = np.empty(n_params)
        prefix, suffix, flat_product, _ = _work_buffers(widths, pre_off, suf_off)
        for t in range(n_steps):
            _lane_products(th, widths, offsets, pre, pre_off, suf, suf_off, product)
            lanes_axpy(diff, 0, goal, 0, dL * d0, 1.0, False)
            lanes_axpy(diff, 0, product, 0, dL * d0, -1.0, True)
            if fused:
                pass
            elif whitened:
                lanes_axpy(r, 0, diff, 0, dL * d0, dt, False)
            else:  # dt (W* - W) Sigma_xx
                lanes_gemm(r, 0, d0, 1, diff, 0, d0, 1, cov, 0, d0, 1, dL, d0, d0, dt, False)
            if n_draws > 0:
                pcg64.lane_normals(lane_states, raw, candidate, accepted, n_live, n_draws, draws)
            if noise_kind == _SGD_NOISE:
                pos = 0
                for i in range(d0):
                    for k in range(LANES):
                        z[i * d0 + i, k] = sqrt2 * draws[pos, k] + diagonal_shift
                    pos += 1
                    for j in range(i + 1, d0):
                        for k in range(LANES):
                            v = draws[pos, k]
                            z[i * d0 + j, k] = v
                            z[j * d0 + i, k] = v
                        pos += 1
                if not fused:
                    lanes_axpy(diff, 0, teacher_lanes, 0, dL * d0, 1.0, False)  # Delta = M - W, into diff
                    lanes_axpy(diff, 0, product, 0, dL * d0, -1.0, True)
                lanes_gemm(r, 0, d0, 1, diff, 0, d0, 1, z, 0, d0, 1, dL, d0, d0, noise_scale, not fused)  # r (+)= noise_scale Delta Z
                if label_noise_std > 0.0:
                    lanes_axpy(r, 0, draws, pos, dL * d0, noise_scale * label_noise_std, True)
            _lane_sandwich_add(th, widths, offsets, pre, pre_off, suf, suf_off, r, right_buf)
            if noise_kind == _ISOTROPIC_NOISE:
                lanes_axpy(th, 0, draws, 0, n_params, noise_scale, True)
            if (t + 1) % record_every == 0:
                _record_lanes(th, widths, offsets, pre_off, suf_off, pre, suf, product, seed, n_live, lane_theta, prefix, suffix, flat_product,
                              teacher, left, right, target, sigma_xx, whitened, loss_floor, label_noise_std, noise_variance, record_weights, records,
                              (t + 1) // record_every - 1)
        for k in range(n_live):
            for p in range(n_params):
                theta[seed[k], p] = th[p, k]
            states[seed[k], :] = lane_states[k, :]


@numba.njit(cache=True, fastmath=True)
def _flow_drift(th, widths, offsets, pre_off, suf_off, prefix, suffix, product, work, target, out):
    """out = -grad L(theta) of the population loss with whitened inputs (Prop. 3.1)."""
    _products(th, widths, offsets, prefix, pre_off, suffix, suf_off, product, work)
    out[:] = 0.0
    _sandwich_add(out, widths, offsets, prefix, pre_off, suffix, suf_off, target - product, work)


@numba.njit(cache=True, nogil=True, fastmath=True)
def _flow_chunk(theta, widths, offsets, pre_off, suf_off, teacher, dt, left, right, target, sigma_xx, whitened, loss_floor, label_noise_std,
                noise_variance, record_weights, record_every, n_steps, records):
    """Classical RK4 for the gradient flow d theta / dt = -grad L (Eq. 2 generalised to depth L)."""
    for s in range(theta.shape[0]):
        th = theta[s]
        prefix, suffix, product, work = _work_buffers(widths, pre_off, suf_off)
        k1, k2, k3, k4, stage = np.empty(th.size), np.empty(th.size), np.empty(th.size), np.empty(th.size), np.empty(th.size)
        for t in range(n_steps):
            _flow_drift(th, widths, offsets, pre_off, suf_off, prefix, suffix, product, work, target[s], k1)
            for i in range(th.size):  # loops, not slice assignments (see _copy)
                stage[i] = th[i] + 0.5 * dt * k1[i]
            _flow_drift(stage, widths, offsets, pre_off, suf_off, prefix, suffix, product, work, target[s], k2)
            for i in range(th.size):
                stage[i] = th[i] + 0.5 * dt * k2[i]
            _flow_drift(stage, widths, offsets, pre_off, suf_off, prefix, suffix, product, work, target[s], k3)
            for i in range(th.size):
                stage[i] = th[i] + dt * k3[i]
            _flow_drift(stage, widths, offsets, pre_off, suf_off, prefix, suffix, product, work, target[s], k4)
            th += (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)  # an array expression: as a loop LLVM would round it differently
            if (t + 1) % record_every == 0:
                _products(th, widths, offsets, prefix, pre_off, suffix, suf_off, product, work)
                _record(th, widths, offsets, prefix, pre_off, suffix, suf_off, product, teacher, left, right, target[s], sigma_xx[s],
                        whitened, loss_floor[s], label_noise_std, noise_variance, record_weights, records[s, (t + 1) // record_every - 1])


# ----------------------------------------------------------------------------------------- public API
@dataclass
class DeepLinearRun:
    """What one block of seeds produces. Records are [U^T W V (d_L x d_0, row-major), loss,
    a_alpha^T Sigma a_alpha (alpha < min(d_0, d_L)) if recorded, flattened weights if recorded, per leading
    mode alpha < increment_modes the sums over the record interval of dw_alpha, dw_alpha^2 and w_alpha];
    moments run over the first d_L d_0 + 1 entries, about `reference`."""

    widths: tuple[int, ...]
    final_weights: list[np.ndarray]  # per layer (n_seeds, d_l, d_{l-1})
    n_records: int
    reference: np.ndarray  # (n_seeds, d_L d_0 + 1)
    sum_deviation: np.ndarray
    sum_outer_deviation: np.ndarray
    trace: np.ndarray  # (n_seeds, n_trace, record_dim)
    trace_steps: np.ndarray
    time_per_step: float  # continuum time of one step: eta (SGD, GD) or dt
    has_noise_variance: bool
    has_weights: bool
    increment_modes: int = 0  # leading modes whose one-step increments are summed per record interval (online SGD)
    noise_variance_modes: int = 0  # leading modes whose a^T Sigma a is recorded

    @property
    def trace_times(self) -> np.ndarray:
        return self.trace_steps * self.time_per_step

    @property
    def modes(self) -> np.ndarray:
        """(n_seeds, n_trace, d_L, d_0): U^T W V; its diagonal are the mode amplitudes w_alpha."""
        d0, dL = self.widths[0], self.widths[-1]
        return self.trace[..., : dL * d0].reshape(*self.trace.shape[:2], dL, d0)

    @property
    def loss(self) -> np.ndarray:
        return self.trace[..., self.widths[0] * self.widths[-1]]

    @property
    def noise_variance(self) -> np.ndarray:
        """(n_seeds, n_trace, n_modes): a_alpha^T Sigma a_alpha with the batch-size-one Sigma;
        the diffusion of Prop. 3.3 is D_alpha = (eta / b) times this."""
        if not self.has_noise_variance:
            raise ValueError("the run did not record the modewise noise variance (noise_variance=False)")
        start = self.widths[0] * self.widths[-1] + 1
        return self.trace[..., start : start + self.noise_variance_modes]

    @property
    def increment_sums(self) -> np.ndarray:
        """(n_seeds, n_trace, increment_modes, 3): over the steps of the record interval ending at each trace point,
        the sums of dw_alpha = w_alpha(k+1) - w_alpha(k), of dw_alpha^2 and of w_alpha(k+1); zero at t = 0."""
        if not self.increment_modes:
            raise ValueError("the run did not sum mode increments (increment_modes=0)")
        start = self.trace.shape[-1] - _INCREMENT_SUMS * self.increment_modes
        return self.trace[..., start:].reshape(*self.trace.shape[:2], self.increment_modes, _INCREMENT_SUMS)

    @property
    def weights(self) -> list[np.ndarray]:
        """Per layer (n_seeds, n_trace, d_l, d_{l-1})."""
        if not self.has_weights:
            raise ValueError("the run did not record the weights (record_weights=False)")
        layout = _Layout(self.widths)
        start = self.trace.shape[-1] - _INCREMENT_SUMS * self.increment_modes - layout.n_params
        return [self.trace[..., start + layout.weights[l] : start + layout.weights[l + 1]].reshape(*self.trace.shape[:2], self.widths[l + 1], self.widths[l])
                for l in range(layout.depth)]


MAX_DRAWS_BYTES = 8 << 20  # a chunk's random numbers at most (the default budget): a given chunk_steps (config engine.chunk_steps) is cut to fit


def _capped(chunk_steps, n_seeds, per_step):
    """chunk_steps, cut so the chunk's normals stay below MAX_DRAWS_BYTES (16384 steps of 32 seeds at b = 8 would be
    300 MB); results do not depend on the chunk length."""
    if chunk_steps is None or per_step == 0:
        return chunk_steps
    return max(1, min(chunk_steps, MAX_DRAWS_BYTES // (8 * n_seeds * per_step)))


class _Setup:
    """Validated inputs shared by every deep-linear entry point."""

    def __init__(self, teacher, initial_weights, schedule_args, noise_variance, record_weights, rngs=None, increment_modes=0,
                 noise_variance_modes=None):
        self.teacher = np.ascontiguousarray(teacher, dtype=np.float64)
        weights = [np.asarray(w, dtype=np.float64) for w in initial_weights]
        if not weights:
            raise ValueError("need at least one layer")
        self.n_seeds = weights[0].shape[0]
        widths = [weights[0].shape[2]] + [w.shape[1] for w in weights]
        for l, w in enumerate(weights):
            if w.ndim != 3 or w.shape != (self.n_seeds, widths[l + 1], widths[l]):
                raise ValueError(f"layer {l + 1} has shape {w.shape}; expected (n_seeds, d_{l + 1}, d_{l}) = {(self.n_seeds, widths[l + 1], widths[l])}")
        if self.teacher.shape != (widths[-1], widths[0]):
            raise ValueError(f"teacher has shape {self.teacher.shape}; the network maps {widths[0]} -> {widths[-1]}")
        if rngs is not None and len(rngs) != self.n_seeds:
            raise ValueError(f"need one random generator per seed: {len(rngs)} for {self.n_seeds} seeds")
        self.layout = _Layout(widths)
        self.theta = np.concatenate([w.reshape(self.n_seeds, -1) for w in weights], axis=1)
        left, _, right_t = np.linalg.svd(self.teacher)
        self.left, self.right = np.ascontiguousarray(left), np.ascontiguousarray(right_t.T)
        self.schedule = Schedule(*schedule_args)
        if not 0 <= increment_modes <= self.layout.n_modes:
            raise ValueError(f"increment_modes = {increment_modes} must be between 0 and min(d_0, d_L) = {self.layout.n_modes}")
        if noise_variance_modes is not None and not 1 <= noise_variance_modes <= self.layout.n_modes:
            raise ValueError(f"noise_variance_modes = {noise_variance_modes} must be between 1 and min(d_0, d_L) = {self.layout.n_modes}")
        # plain bool and int: every kernel is compiled for one type signature (numpy or literal scalars would add others)
        self.noise_variance, self.record_weights, self.increment_modes = bool(noise_variance), bool(record_weights), int(increment_modes)
        self.noise_variance_count = int(noise_variance_modes or self.layout.n_modes) if noise_variance else 0
        self.record_dim = self.layout.record_dim(self.noise_variance_count, record_weights, increment_modes)

    def population(self, label_noise_std):
        """W* = M, Sigma_xx = I and the irreducible loss d_L sigma_q^2 / 2, per seed."""
        d0, dL = self.layout.widths[0], self.layout.widths[-1]
        target = np.repeat(self.teacher[None], self.n_seeds, axis=0)
        sigma_xx = np.repeat(np.eye(d0)[None], self.n_seeds, axis=0)
        return target, sigma_xx, np.full(self.n_seeds, 0.5 * dL * label_noise_std**2)

    def recorder(self, target, sigma_xx, whitened, loss_floor, label_noise_std):
        lay = self.layout
        initial = np.zeros((self.n_seeds, self.record_dim))  # no increments before the first step
        _initial_records(self.theta, lay.widths, lay.weights, lay.prefix, lay.suffix, self.teacher, self.left, self.right, target, sigma_xx,
                         whitened, loss_floor, float(label_noise_std), self.noise_variance_count, self.record_weights, initial)
        return Recorder(self.schedule, initial, int(lay.widths[0] * lay.widths[-1]) + 1)

    def run(self, recording, time_per_step) -> DeepLinearRun:
        lay = self.layout
        finals = [self.theta[:, lay.weights[l] : lay.weights[l + 1]].reshape(self.n_seeds, lay.widths[l + 1], lay.widths[l]).copy()
                  for l in range(lay.depth)]
        return DeepLinearRun(tuple(int(d) for d in lay.widths), finals, recording.n_records, recording.reference, recording.sum_deviation,
                             recording.sum_outer_deviation, recording.trace, recording.trace_steps, time_per_step, self.noise_variance,
                             self.record_weights, self.increment_modes, self.noise_variance_count)


def deep_linear_online_sgd(
    teacher: np.ndarray, initial_weights: Sequence[np.ndarray], rngs: list[np.random.Generator], *, learning_rate: float, batch_size: int,
    label_noise_std: float, burn_in_steps: int, measure_steps: int, record_every: int, trace_every: int, noise_variance: bool = False,
    record_weights: bool = False, increment_modes: int = 0, noise_variance_modes: int | None = None, chunk_steps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DeepLinearRun:
    """Online SGD theta_{k+1} = theta_k - eta g_B (Sec. 2.1) on fresh batches x ~ N(0, I), y = M x + sigma_q xi.

    increment_modes > 0 sums the one-step increments of the leading modes per record interval (DeepLinearRun.increment_sums);
    noise_variance_modes limits the recorded a^T Sigma a to the leading modes (default: all min(d_0, d_L))."""
    setup = _Setup(teacher, initial_weights, (burn_in_steps, measure_steps, record_every, trace_every), noise_variance, record_weights, rngs,
                   increment_modes, noise_variance_modes)
    lay = setup.layout
    target, sigma_xx, floor = setup.population(label_noise_std)
    recorder = setup.recorder(target, sigma_xx, True, floor, label_noise_std)
    per_step = batch_size * (int(lay.widths[0]) + (int(lay.widths[-1]) if label_noise_std > 0 else 0))
    streams = RandomStreams(rngs, per_step, normal=True)

    def advance(normals, records):
        def seeds(a, b):
            _online_sgd_chunk(setup.theta[a:b], lay.widths, lay.weights, lay.prefix, lay.suffix, setup.teacher, normals[a:b],
                              float(learning_rate / batch_size), int(batch_size), float(label_noise_std), setup.left, setup.right, target[a:b],
                              sigma_xx[a:b], True, floor[a:b], setup.noise_variance_count, setup.record_weights, setup.increment_modes,
                              setup.schedule.record_every, records[a:b])

        over_seeds(setup.n_seeds, seeds, LANES)

    length = setup.schedule.chunk_length(_capped(chunk_steps, setup.n_seeds, per_step), setup.n_seeds, per_step, setup.record_dim)
    return setup.run(run_chunks(setup.schedule, recorder, streams, advance, length, progress), learning_rate)


def _euler(setup, target, sigma_xx, whitened, floor, rngs, per_step, dt, noise_kind, noise_scale, label_noise_std, chunk_steps, progress, time_per_step):
    """Chunks of _euler_chunk; the seeds' PCG64 states go into the kernel and back to their Generators at the end."""
    lay = setup.layout
    recorder = setup.recorder(target, sigma_xx, whitened, floor, label_noise_std)
    states = pcg64.read_states(rngs) if rngs is not None else np.zeros((setup.n_seeds, pcg64.ROW), np.uint64)
    n_draws = per_step if rngs is not None else 0

    def advance(_, records):
        def seeds(a, b):
            _euler_chunk(setup.theta[a:b], lay.widths, lay.weights, lay.prefix, lay.suffix, setup.teacher, target[a:b], sigma_xx[a:b], whitened,
                         states[a:b], n_draws, records.shape[1] * setup.schedule.record_every, float(dt), noise_kind, float(noise_scale),
                         float(label_noise_std), setup.left, setup.right, floor[a:b], setup.noise_variance_count, setup.record_weights,
                         setup.schedule.record_every, records[a:b])

        over_seeds(setup.n_seeds, seeds, LANES)

    length = setup.schedule.chunk_length(chunk_steps, setup.n_seeds, 0, setup.record_dim)  # no chunk of draws in memory
    result = setup.run(run_chunks(setup.schedule, recorder, None, advance, length, progress), time_per_step)
    if rngs is not None:
        pcg64.write_states(rngs, states)
    return result


def dataset_moments(inputs: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(W* least squares, Sigma_xx, training-loss floor) per seed of datasets (n_seeds, n, d_0), (n_seeds, n, d_L): the
    training loss (mean over samples of 1/2 ||y - W x||^2) is floor + 1/2 <(W - W*) Sigma_xx, W - W*>."""
    n = inputs.shape[1]
    sigma_xx = np.ascontiguousarray(np.matmul(inputs.transpose(0, 2, 1), inputs) / n)
    sigma_yx = np.matmul(labels.transpose(0, 2, 1), inputs) / n
    target = np.ascontiguousarray(np.matmul(sigma_yx, np.linalg.pinv(sigma_xx, hermitian=True)))  # least squares W*
    residual = labels - np.matmul(inputs, target.transpose(0, 2, 1))
    return target, sigma_xx, 0.5 * np.mean(np.sum(residual**2, axis=2), axis=1)


def deep_linear_gd(
    inputs: np.ndarray, labels: np.ndarray, teacher: np.ndarray, initial_weights: Sequence[np.ndarray], *, learning_rate: float,
    burn_in_steps: int, measure_steps: int, record_every: int, trace_every: int, record_weights: bool = False,
    chunk_steps: int | None = None, progress: Callable[[int, int], None] | None = None,
) -> DeepLinearRun:
    """Full-batch GD on a fixed dataset per seed (App. H.3): inputs (n_seeds, n, d_0), labels (n_seeds, n, d_L).

    The gradient uses the dataset's moments, W_>l^T (Sigma_yx - W Sigma_xx) W_<l^T, and the recorded
    loss is the training loss (mean over samples of 1/2 ||y - W x||^2).
    """
    setup = _Setup(teacher, initial_weights, (burn_in_steps, measure_steps, record_every, trace_every), False, record_weights)
    target, sigma_xx, floor = dataset_moments(np.asarray(inputs, dtype=np.float64), np.asarray(labels, dtype=np.float64))
    return _euler(setup, target, sigma_xx, False, floor, None, 0, learning_rate, _NO_NOISE, 0.0, 0.0, chunk_steps, progress, learning_rate)


def deep_linear_sde(
    teacher: np.ndarray, initial_weights: Sequence[np.ndarray], rngs: list[np.random.Generator], *, learning_rate: float, batch_size: int,
    label_noise_std: float, dt: float, burn_in_steps: int, measure_steps: int, record_every: int, trace_every: int,
    noise_variance: bool = False, noise_variance_modes: int | None = None, record_weights: bool = False, chunk_steps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DeepLinearRun:
    """Euler-Maruyama of d theta = -g dt + sqrt(eta Sigma(theta) / b) dB (Eq. 1), Sigma of Prop. 3.2 sampled matrix-free."""
    setup = _Setup(teacher, initial_weights, (burn_in_steps, measure_steps, record_every, trace_every), noise_variance, record_weights, rngs,
                   noise_variance_modes=noise_variance_modes)
    target, sigma_xx, floor = setup.population(label_noise_std)
    d0, dL = int(setup.layout.widths[0]), int(setup.layout.widths[-1])
    per_step = d0 * (d0 + 1) // 2 + (dL * d0 if label_noise_std > 0 else 0)
    scale = np.sqrt(learning_rate * dt / batch_size)
    return _euler(setup, target, sigma_xx, True, floor, rngs, per_step, dt, _SGD_NOISE, scale, label_noise_std, chunk_steps, progress, dt)


def deep_linear_langevin(
    teacher: np.ndarray, initial_weights: Sequence[np.ndarray], rngs: list[np.random.Generator], *, learning_rate: float, noise_std: float,
    dt: float, burn_in_steps: int, measure_steps: int, record_every: int, trace_every: int, label_noise_std: float = 0.0,
    noise_variance: bool = False, noise_variance_modes: int | None = None, record_weights: bool = False, chunk_steps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DeepLinearRun:
    """Euler-Maruyama of isotropic Langevin dynamics d theta = -g dt + noise_std sqrt(eta) dB (App. H.3:
    xi ~ N(0, eta dt I) for noise_std = 1). label_noise_std only sets the population loss and the
    recorded SGD noise variance; it does not enter the dynamics."""
    setup = _Setup(teacher, initial_weights, (burn_in_steps, measure_steps, record_every, trace_every), noise_variance, record_weights, rngs,
                   noise_variance_modes=noise_variance_modes)
    target, sigma_xx, floor = setup.population(label_noise_std)
    scale = noise_std * np.sqrt(learning_rate * dt)
    return _euler(setup, target, sigma_xx, True, floor, rngs, setup.layout.n_params, dt, _ISOTROPIC_NOISE, scale, label_noise_std, chunk_steps,
                  progress, dt)


def deep_linear_gradient_flow(
    teacher: np.ndarray, initial_weights: Sequence[np.ndarray], *, dt: float, burn_in_steps: int, measure_steps: int, record_every: int,
    trace_every: int, label_noise_std: float = 0.0, record_weights: bool = False, chunk_steps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DeepLinearRun:
    """Gradient flow of the population loss, integrated with classical RK4 in steps dt of continuum time."""
    setup = _Setup(teacher, initial_weights, (burn_in_steps, measure_steps, record_every, trace_every), False, record_weights)
    lay = setup.layout
    target, sigma_xx, floor = setup.population(label_noise_std)
    recorder = setup.recorder(target, sigma_xx, True, floor, 0.0)

    def advance(_, records):
        def seeds(a, b):
            _flow_chunk(setup.theta[a:b], lay.widths, lay.weights, lay.prefix, lay.suffix, setup.teacher, float(dt), setup.left, setup.right,
                        target[a:b], sigma_xx[a:b], True, floor[a:b], 0.0, 0, setup.record_weights, setup.schedule.record_every,
                        records.shape[1] * setup.schedule.record_every, records[a:b])

        over_seeds(setup.n_seeds, seeds)

    length = setup.schedule.chunk_length(chunk_steps, setup.n_seeds, 0, setup.record_dim)
    return setup.run(run_chunks(setup.schedule, recorder, None, advance, length, progress), dt)


# ------------------------------------------------------------- isotropic Langevin matched to tr Sigma(theta)
@numba.njit(cache=True, fastmath=True)
def _noise_trace(widths, prefix, pre_off, suffix, suf_off, delta, gradient, label_noise_std):
    """tr Sigma(theta) of the batch-size-one covariance (Prop. 3.2), matrix-free, from the products of _products and
    the gradient g_l = W_>l^T Delta W_<l^T of every layer (flat, as _sandwich_add writes it):
    the noise of layer l is W_>l^T S W_<l^T with S = Delta (x x^T - I) + xi x^T (App. B), and for x ~ N(0, I)
    E ||A Delta (x x^T - I) B||_F^2 = ||A Delta B||_F^2 + ||B||_F^2 ||A Delta||_F^2, E ||A xi x^T B||_F^2 = sigma_q^2 ||A||_F^2 ||B||_F^2,
    so tr Sigma = ||g||^2 + sum_l (||W_<l||_F^2 ||W_>l^T Delta||_F^2 + sigma_q^2 ||W_>l||_F^2 ||W_<l||_F^2)."""
    L = widths.size - 1
    d0, dL = widths[0], widths[L]
    total = 0.0
    for p in range(gradient.size):
        total += gradient[p] * gradient[p]
    for l in range(L):
        rows, cols = widths[l + 1], widths[l]
        suf = _view(suffix, suf_off, l, dL, rows)
        pre = _view(prefix, pre_off, l, cols, d0)
        pre_norm = 0.0
        for i in range(cols):
            for j in range(d0):
                pre_norm += pre[i, j] * pre[i, j]
        suf_norm = 0.0
        spread = 0.0
        for i in range(rows):
            for p in range(dL):
                suf_norm += suf[p, i] * suf[p, i]
            for j in range(d0):
                acc = 0.0
                for p in range(dL):
                    acc += suf[p, i] * delta[p, j]
                spread += acc * acc
        total += pre_norm * spread + label_noise_std * label_noise_std * suf_norm * pre_norm
    return total


@numba.njit(cache=True, nogil=True, fastmath=True)  # serial, as _initial_records
def _noise_traces(theta, widths, offsets, pre_off, suf_off, teacher, label_noise_std, out):
    for s in range(theta.shape[0]):
        prefix, suffix, product, work = _work_buffers(widths, pre_off, suf_off)
        _products(theta[s], widths, offsets, prefix, pre_off, suffix, suf_off, product, work)
        delta = teacher - product
        gradient = np.zeros(theta.shape[1])
        _sandwich_add(gradient, widths, offsets, prefix, pre_off, suffix, suf_off, delta, work)
        out[s] = _noise_trace(widths, prefix, pre_off, suffix, suf_off, delta, gradient, label_noise_std)


@numba.njit(cache=True, nogil=True, fastmath=True)
def _matched_langevin_chunk(theta, widths, offsets, pre_off, suf_off, teacher, normals, dt, variance_factor, label_noise_std, left, right, target,
                            sigma_xx, whitened, loss_floor, noise_variance, record_weights, record_every, records):
    """theta <- theta - dt grad L + sqrt(variance_factor tr Sigma(theta)) xi, xi ~ N(0, I): Euler-Maruyama of isotropic
    Langevin dynamics whose noise power equals the SDE's, tr(eta dt Sigma / b), at every step (variance_factor =
    eta dt / (b n_params)); the gradient is the population one (whitened inputs, target = M)."""
    n_seeds, n_steps = normals.shape[0], normals.shape[1]
    for s in range(n_seeds):
        th = theta[s]
        prefix, suffix, product, work = _work_buffers(widths, pre_off, suf_off)
        delta = np.empty(product.shape)
        gradient = np.empty(th.size)
        for t in range(n_steps):
            _products(th, widths, offsets, prefix, pre_off, suffix, suf_off, product, work)
            for i in range(delta.shape[0]):
                for j in range(delta.shape[1]):
                    delta[i, j] = target[s, i, j] - product[i, j]
            gradient[:] = 0.0
            _sandwich_add(gradient, widths, offsets, prefix, pre_off, suffix, suf_off, delta, work)
            scale = np.sqrt(variance_factor * _noise_trace(widths, prefix, pre_off, suffix, suf_off, delta, gradient, label_noise_std))
            draws = normals[s, t]
            for i in range(th.size):
                th[i] += dt * gradient[i] + scale * draws[i]
            if (t + 1) % record_every == 0:
                _products(th, widths, offsets, prefix, pre_off, suffix, suf_off, product, work)
                _record(th, widths, offsets, prefix, pre_off, suffix, suf_off, product, teacher, left, right, target[s], sigma_xx[s],
                        whitened, loss_floor[s], label_noise_std, noise_variance, record_weights, records[s, (t + 1) // record_every - 1])


def noise_covariance_trace(teacher: np.ndarray, weights: Sequence[np.ndarray], label_noise_std: float) -> np.ndarray:
    """tr Sigma(theta) (batch size one, Prop. 3.2) per seed, matrix-free: weights per layer (n_seeds, d_l, d_{l-1})."""
    setup = _Setup(teacher, weights, (0, 1, 1, 1), False, False)
    lay = setup.layout
    out = np.empty(setup.n_seeds)
    _noise_traces(setup.theta, lay.widths, lay.weights, lay.prefix, lay.suffix, setup.teacher, float(label_noise_std), out)
    return out


def deep_linear_langevin_matched(
    teacher: np.ndarray, initial_weights: Sequence[np.ndarray], rngs: list[np.random.Generator], *, learning_rate: float, batch_size: int,
    label_noise_std: float, dt: float, burn_in_steps: int, measure_steps: int, record_every: int, trace_every: int,
    noise_variance: bool = False, record_weights: bool = False, chunk_steps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DeepLinearRun:
    """Euler-Maruyama of isotropic Langevin dynamics matched to the SGD noise: d theta = -g dt + sqrt(eta tr Sigma(theta) / (b P)) dB,
    P parameters, so the noise has the SDE's total variance tr(eta Sigma / b) dt but no direction (the fair isotropic baseline of
    Fig. 4). One normal per parameter per step, in the order of the flattened parameters."""
    setup = _Setup(teacher, initial_weights, (burn_in_steps, measure_steps, record_every, trace_every), noise_variance, record_weights, rngs)
    lay = setup.layout
    target, sigma_xx, floor = setup.population(label_noise_std)
    recorder = setup.recorder(target, sigma_xx, True, floor, label_noise_std)
    streams = RandomStreams(rngs, lay.n_params, normal=True)
    factor = learning_rate * dt / (batch_size * lay.n_params)

    def advance(normals, records):
        def seeds(a, b):
            _matched_langevin_chunk(setup.theta[a:b], lay.widths, lay.weights, lay.prefix, lay.suffix, setup.teacher, normals[a:b], float(dt),
                                    float(factor), float(label_noise_std), setup.left, setup.right, target[a:b], sigma_xx[a:b], True, floor[a:b],
                                    setup.noise_variance_count, setup.record_weights, setup.schedule.record_every, records[a:b])

        over_seeds(setup.n_seeds, seeds)

    length = setup.schedule.chunk_length(chunk_steps, setup.n_seeds, lay.n_params, setup.record_dim)
    return setup.run(run_chunks(setup.schedule, recorder, streams, advance, length, progress), dt)
