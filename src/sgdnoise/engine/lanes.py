"""SIMD across seeds: the deep-linear kernels advance LANES = 8 seeds at once, one 512-bit vector of float64 per
matrix entry (two 256-bit halves on AVX2 machines).

A lane array has shape (entries, LANES): row e holds entry e of every lane's matrices, and a matrix is a block of
rows at an offset, addressed by strides in rows. Three operations, on every lane at once:

    lanes_gemm          out(i, j) = init(i, j) + alpha sum_p A(i, p) B(p, j)   (accumulators in registers over p)
    lanes_rank_update   out(i, j) += alpha A(i, p) B(p, j), p = 0 .. k-1 in turn (for k of 1 or a few: a batch)
    lanes_axpy          out[q] = init[q] + beta x[q]

with init = out if `accumulate` else 0. They are LLVM intrinsics with explicit <8 x double> loads and FMAs: numba's
own loops do not vectorise across lanes, because LLVM cannot rule out that two numba arrays alias and so keeps a
lanes-innermost loop scalar (measured 5-12 GFLOP/s for 12 x 12 x 12 products, against 30-45 here and 20-23 for
the per-seed dot-product form). Each lane's arithmetic runs in a fixed order, so a lane's result does not depend on
the other lanes in its block.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

LANES = 8
_ALIGN = 64  # bytes of one lane row: a cache line, and one 512-bit vector


@numba.njit(cache=True)
def lane_empty(rows):
    """An uninitialised lane array (rows, LANES) whose rows start on 64-byte boundaries. numba's np.empty starts at 32
    mod 64 here, so every row would straddle two cache lines: a split load, at half the load bandwidth, for every
    vector the intrinsics below read."""
    buf = np.empty(rows * LANES + LANES)
    skip = ((_ALIGN - np.int64(buf.ctypes.data) % _ALIGN) % _ALIGN) // 8
    return buf[skip : skip + rows * LANES].reshape((rows, LANES))
_COLUMN_BLOCKS = (12, 4, 1)  # lanes_gemm's output columns per pass over p, widest first: twelve accumulators hide the FMA latency
_I64 = ir.IntType(64)
_VECTOR = ir.VectorType(ir.DoubleType(), LANES)
_ZERO = ir.Constant(_VECTOR, [0.0] * LANES)


class _Lanes:
    """Code generation helpers of one intrinsic call: lane arrays, integer and float arguments, vector FMAs."""

    def __init__(self, context, builder, signature, args):
        self.context, self.builder, self.signature, self.args = context, builder, signature, args
        self.fma_function = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_VECTOR, [_VECTOR] * 3), "llvm.fma.v8f64")

    def array(self, idx):
        return self.context.make_array(self.signature.args[idx])(self.context, self.builder, self.args[idx])

    def integer(self, idx):
        return self.context.cast(self.builder, self.args[idx], self.signature.args[idx], types.int64)

    def broadcast(self, idx):
        value = self.context.cast(self.builder, self.args[idx], self.signature.args[idx], types.float64)
        vector = ir.Constant(_VECTOR, ir.Undefined)
        for lane in range(LANES):
            vector = self.builder.insert_element(vector, value, ir.Constant(ir.IntType(32), lane))
        return vector

    def flag(self, idx):
        return self.context.cast(self.builder, self.args[idx], self.signature.args[idx], types.boolean)

    def pointer(self, arr, row):
        return self.builder.bitcast(self.builder.gep(arr.data, [self.builder.mul(row, ir.Constant(_I64, LANES))]), _VECTOR.as_pointer())

    def load(self, arr, row):
        return self.builder.load(self.pointer(arr, row), align=8)

    def fma(self, a, b, c):
        return self.builder.call(self.fma_function, [a, b, c])

    def index(self, offset, *terms):
        """offset + sum of index * stride over the (index, stride) pairs."""
        out = offset
        for index, stride in terms:
            out = self.builder.add(out, self.builder.mul(index, stride))
        return out


@intrinsic
def lanes_gemm(typingctx, out, o_off, o_si, o_sj, a, a_off, a_si, a_sp, b, b_off, b_sp, b_sj, m, n, k, alpha, accumulate):
    """out[o_off + i o_si + j o_sj] = init + alpha sum_p a[a_off + i a_si + p a_sp] b[b_off + p b_sp + j b_sj], i < m, j < n."""
    sig = types.void(out, o_off, o_si, o_sj, a, a_off, a_si, a_sp, b, b_off, b_sp, b_sj, m, n, k, alpha, accumulate)

    def codegen(context, builder, signature, args):
        g = _Lanes(context, builder, signature, args)
        o_arr, a_arr, b_arr = g.array(0), g.array(4), g.array(8)
        o_off, o_si, o_sj, a_off, a_si, a_sp, b_off, b_sp, b_sj, m, n, k = (g.integer(i) for i in (1, 2, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14))
        alpha, accumulate = g.broadcast(15), g.flag(16)

        def columns(i, j0, width):
            """Outputs (i, j0 .. j0 + width - 1), their accumulators in registers over the p loop."""
            accs = [cgutils.alloca_once_value(builder, _ZERO) for _ in range(width)]
            cols = [builder.add(j0, ir.Constant(_I64, c)) for c in range(width)]
            with cgutils.for_range(builder, k) as loop:
                va = g.load(a_arr, g.index(a_off, (i, a_si), (loop.index, a_sp)))
                for c in range(width):
                    vb = g.load(b_arr, g.index(b_off, (loop.index, b_sp), (cols[c], b_sj)))
                    builder.store(g.fma(va, vb, builder.load(accs[c])), accs[c])
            for c in range(width):
                target = g.pointer(o_arr, g.index(o_off, (i, o_si), (cols[c], o_sj)))
                init = builder.select(accumulate, builder.load(target, align=8), _ZERO)
                builder.store(g.fma(alpha, builder.load(accs[c]), init), target, align=8)

        with cgutils.for_range(builder, m) as rows:
            start = ir.Constant(_I64, 0)
            for width in _COLUMN_BLOCKS:  # as many blocks of this width as fit in the columns left
                count = builder.udiv(builder.sub(n, start), ir.Constant(_I64, width))
                with cgutils.for_range(builder, count) as block:
                    columns(rows.index, builder.add(start, builder.mul(block.index, ir.Constant(_I64, width))), width)
                start = builder.add(start, builder.mul(count, ir.Constant(_I64, width)))
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def lanes_rank_update(typingctx, out, o_off, o_si, o_sj, a, a_off, a_si, a_sp, b, b_off, b_sp, b_sj, m, n, k, alpha):
    """out[o_off + i o_si + j o_sj] += alpha a[a_off + i a_si + p a_sp] b[b_off + p b_sp + j b_sj] for p = 0 .. k - 1 in turn:
    k rank-one updates straight into out (a batch of k samples), cheaper than lanes_gemm's register sums when k is small."""
    sig = types.void(out, o_off, o_si, o_sj, a, a_off, a_si, a_sp, b, b_off, b_sp, b_sj, m, n, k, alpha)

    def codegen(context, builder, signature, args):
        g = _Lanes(context, builder, signature, args)
        o_arr, a_arr, b_arr = g.array(0), g.array(4), g.array(8)
        o_off, o_si, o_sj, a_off, a_si, a_sp, b_off, b_sp, b_sj, m, n, k = (g.integer(i) for i in (1, 2, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14))
        alpha = g.broadcast(15)
        with cgutils.for_range(builder, m) as rows:
            with cgutils.for_range(builder, k) as samples:
                scaled = builder.fmul(alpha, g.load(a_arr, g.index(a_off, (rows.index, a_si), (samples.index, a_sp))))
                with cgutils.for_range(builder, n) as cols:
                    target = g.pointer(o_arr, g.index(o_off, (rows.index, o_si), (cols.index, o_sj)))
                    vb = g.load(b_arr, g.index(b_off, (samples.index, b_sp), (cols.index, b_sj)))
                    builder.store(g.fma(scaled, vb, builder.load(target, align=8)), target, align=8)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def lanes_axpy(typingctx, out, o_off, x, x_off, n, beta, accumulate):
    """out[o_off + q] = (out[o_off + q] if accumulate else 0) + beta x[x_off + q] for q < n."""
    sig = types.void(out, o_off, x, x_off, n, beta, accumulate)

    def codegen(context, builder, signature, args):
        g = _Lanes(context, builder, signature, args)
        o_arr, x_arr = g.array(0), g.array(2)
        o_off, x_off, n = g.integer(1), g.integer(3), g.integer(4)
        beta, accumulate = g.broadcast(5), g.flag(6)
        with cgutils.for_range(builder, n) as loop:
            target = g.pointer(o_arr, builder.add(o_off, loop.index))
            init = builder.select(accumulate, builder.load(target, align=8), _ZERO)
            builder.store(g.fma(beta, g.load(x_arr, builder.add(x_off, loop.index)), init), target, align=8)
        return context.get_dummy_value()

    return sig, codegen
