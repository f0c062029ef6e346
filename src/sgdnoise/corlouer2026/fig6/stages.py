"""Corlouer et al. 2026, Fig. 6 (App. I.1): claims on the cross modes w_ab = u_a^T W v_b along online SGD and on the
cross-mode diffusion D_ab of Prop. 3.3, from the summary of corlouer2026.balance statistics (cases = depths)."""

from __future__ import annotations

import warnings

import numpy as np

from ... import claims as claimsmod, io

PAPER, SECTION = "Corlouer2026", "App. I.1"
QUOTE_CAPTION = ("For both a depth-2 and a depth-4 linear network, we observe that the majority of cross modes are small for most of "
                 "training, except for a small number of cross modes which peak at times corresponding to modes being learned.")
QUOTE_01 = ("The fact that the 0-1 cross mode has the largest peak is perhaps related to the fact that mode 1 has a visible increase while "
            "mode 0 is being learned.")
QUOTE_ALIGNED = "Orthogonality of different modes under alignment implies Dαβ=0 for α≠β (no cross-mode diffusion)."


def k_se(n_seeds: int) -> float:
    """Standard errors allowed: the two-sided 1 % t quantile over the seeds (2.95 for 16 seeds, 63.7 for 2)."""
    return claimsmod.bonferroni_t_limit(n_seeds, 1)


def off_diagonal(matrix: np.ndarray) -> np.ndarray:
    """(..., n, n) -> a copy with NaN on the diagonal."""
    out = np.array(matrix, dtype=float)
    index = np.arange(out.shape[-1])
    out[..., index, index] = np.nan
    return out


def learning_windows(amplitude: np.ndarray, time: np.ndarray, singular_values: np.ndarray, band) -> np.ndarray:
    """(mode, 2): first times at which the seed-mean amplitude w_alpha reaches band[0] s and band[1] s (NaN if never)."""
    out = np.full((len(singular_values), 2), np.nan)
    for a, s in enumerate(singular_values):
        for k, fraction in enumerate(band):
            reached = np.flatnonzero(amplitude[:, a] >= fraction * s)
            if reached.size:
                out[a, k] = time[reached[0]]
    return out


def distance_to_windows(t: float, windows: np.ndarray) -> float:
    """Distance of time t from the union of the intervals `windows` (n, 2); 0 inside one."""
    finite = windows[np.all(np.isfinite(windows), axis=1)]
    if not finite.size:
        return np.inf
    return float(np.min(np.maximum(0.0, np.maximum(finite[:, 0] - t, t - finite[:, 1]))))


def mean_sem(values, axis=0):
    """Mean and standard error over seeds (axis), NaN-aware (entries NaN by construction stay NaN)."""
    values = np.asarray(values, dtype=float)
    n = np.sum(np.isfinite(values), axis=axis)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"(Mean of empty slice|Degrees of freedom)", RuntimeWarning)
        return np.nanmean(values, axis=axis), np.nanstd(values, axis=axis, ddof=1) / np.sqrt(n)


def case_arrays(ds, case):
    """Time (trace,), U^T W V (seed, trace, d, d), D_ab (seed, trace, mode, mode) of one case, padding removed."""
    c = ds.sel(case=case)
    valid = np.isfinite(c.time.values)
    return c.time.values[valid], c.modes.values[:, valid], c.cross_diffusion.values[:, valid]


def cross_mode_statistics(time, modes, singular_values, band):
    """Peaks max_t |w_ab| (seed, d, d), their times (seed, d, d), the learning windows (mode, 2)."""
    size = off_diagonal(np.abs(modes))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        peak = np.nanmax(size, axis=1)
    peak_time = time[np.argmax(np.nan_to_num(size, nan=-1.0), axis=1)]
    diagonal = np.einsum("stii->sti", modes)[..., : len(singular_values)]
    return peak, peak_time, learning_windows(diagonal.mean(axis=0), time, singular_values, band)


def diffusion_correlation_at_peaks(diffusion):
    """rho_ab = D_ab / sqrt(D_aa D_bb) at the time of mode a's diffusion peak, per seed: (seed, a, b), NaN on a = b."""
    diag = np.einsum("stii->sti", diffusion)
    rho = diffusion / np.sqrt(diag[..., :, None] * diag[..., None, :])
    peaks = np.argmax(diag, axis=1)  # (seed, a)
    n_seeds, n = diag.shape[0], diag.shape[-1]
    out = np.empty((n_seeds, n, n))
    for s in range(n_seeds):
        for a in range(n):
            out[s, a] = rho[s, peaks[s, a], a]
    return off_diagonal(out)


def aligned_point_cross_diffusion(depth: int, singular_values, widths: int = 12) -> tuple[float, float, float]:
    """max_{a != b} |D_ab| / max_a D_aa on a constructed aligned, balanced point (W_l = O_l diag(w^{1/L}) O_{l-1}^T with
    O_0 = V, O_L = U, hidden O_l Haar; mode amplitudes w = s / 2), matrix-free (Eq. 29) and from the dense Sigma of
    Prop. 3.2 with a_alpha of Eq. 24 (independent code paths); and, as the rival, the same point with its input basis
    turned by 0.1 rad in the plane of modes 0 and 1 (misaligned)."""
    from ..runs import teacher_matrix
    from ..theory import balanced_weights, mode_gradient, modewise_diffusion_matrix, noise_covariance, teacher_modes

    dims = [widths] * (depth + 1)
    teacher = teacher_matrix(dims, singular_values)
    u, _, v = teacher_modes(teacher)
    rng = np.random.default_rng(0)
    amplitudes = 0.5 * np.asarray(singular_values, dtype=float)

    def relative(weights, dense: bool):
        if dense:
            sigma = noise_covariance(weights, teacher, 0.0)
            grads = np.stack([mode_gradient(weights, u[:, a], v[:, a]) for a in range(len(singular_values))])
            matrix = grads @ sigma @ grads.T
        else:
            matrix = modewise_diffusion_matrix(weights, teacher, beta=1.0, label_noise_variance=0.0, modes=np.arange(len(singular_values)))
        return float(np.nanmax(np.abs(off_diagonal(matrix))) / np.max(np.diag(matrix)))

    aligned = balanced_weights(amplitudes, dims, rng, left=u, right=v)
    turn = np.eye(widths)
    c, s = np.cos(0.1), np.sin(0.1)
    turn[:2, :2] = [[c, -s], [s, c]]
    misaligned = balanced_weights(amplitudes, dims, rng, left=u, right=v @ turn)
    return relative(aligned, False), relative(aligned, True), relative(misaligned, False)


def claims(summary_path: str, output: str, *, learned_band: list[float], small_threshold: float, small_thresholds: list[float], named: int) -> None:
    ds = io.open_dataset(summary_path)
    table = claimsmod.ClaimTable(PAPER, SECTION)
    s = ds.singular_value.values
    for case in ds.case.values:
        depth = int(ds.depth.sel(case=case))
        time, modes, diffusion = case_arrays(ds, case)
        n_seeds = modes.shape[0]
        k = k_se(n_seeds)
        peak, peak_time, windows = cross_mode_statistics(time, modes, s, learned_band)
        tag = f"L{depth}"
        fig = f"Fig. 6{'ab'[depth > 2]}"

        # "the majority of cross modes are small for most of training": per seed, the share of cross modes below the
        # threshold (a fraction of s_0) during more than half of the run
        size = off_diagonal(np.abs(modes))
        n_cross = modes.shape[-1] * (modes.shape[-1] - 1)
        shares = {thr: np.nansum(np.mean(size < thr * s[0], axis=1) > 0.5, axis=(1, 2)) / n_cross for thr in small_thresholds}
        peak_shares = {thr: np.nansum(peak < thr * s[0], axis=(1, 2)) / n_cross for thr in small_thresholds}
        mean, sem = mean_sem(shares[small_threshold])
        tol = claimsmod.tolerance(sem, k)
        text = "; ".join(f"{thr:g} s_0: {claimsmod.format_mean_sem(*mean_sem(shares[thr]))} (peak below: {claimsmod.format_mean_sem(*mean_sem(peak_shares[thr]))})"
                         for thr in small_thresholds)
        table.add(f"corlouer_fig6_most_cross_modes_small_{tag}", fig,
                  f"Depth {depth}: most cross modes are small (|w_ab| < {small_threshold:g} s_0) for most (> half) of training",
                  f"share of the {n_cross} cross modes below the threshold for more than half of the run, per seed (and, in brackets, whose peak is below it)",
                  text, "> 0.5 (a majority)", f"{k:.3g} SE = {tol:.2g}", mean - 0.5 > tol, kind=claimsmod.PAPER_CLAIM,
                  power=claimsmod.power(tol, mean - 0.5, "no majority (share 1/2)"), location="App. I.1, Fig. 6 caption", quote=QUOTE_CAPTION)

        # the few large ones, named, and when they peak
        mean_peak, sem_peak = mean_sem(peak)
        order = [tuple(int(i) for i in np.unravel_index(k, mean_peak.shape)) for k in np.argsort(-np.nan_to_num(mean_peak, nan=-1.0), axis=None)[:named]]
        dt = float(time[1] - time[0])
        parts, distances, tolerances = [], [], []
        for a, b in order:
            own = windows[[m for m in (a, b) if m < len(s)]] if min(a, b) < len(s) else windows
            t_mean, t_sem = mean_sem(peak_time[:, a, b])
            distances.append(distance_to_windows(t_mean, own))
            tolerances.append(claimsmod.tolerance(t_sem, k, dt))
            band = ", ".join(f"mode {m} {windows[m, 0]:.3g}-{windows[m, 1]:.3g}" for m in (a, b) if m < len(s)) or "no teacher mode"
            parts.append(f"w_{a}{b}: peak {claimsmod.format_mean_sem(mean_peak[a, b], sem_peak[a, b])} at t = {claimsmod.format_mean_sem(t_mean, t_sem)} ({band})")
        horizon = float(time[-1])
        grid = np.linspace(0, horizon, 1001)
        rival = min(float(np.mean([distance_to_windows(t, windows[[m for m in (a, b) if m < len(s)]] if min(a, b) < len(s) else windows) for t in grid]))
                    for a, b in order)
        typical = float(np.nanmedian(mean_peak))
        table.add(f"corlouer_fig6_large_cross_modes_peak_while_learning_{tag}", fig,
                  f"Depth {depth}: the {named} largest cross modes peak while one of their modes is learned "
                  f"(seed-mean w_alpha between {learned_band[0]:g} and {learned_band[1]:g} of s_alpha)",
                  "distance of each named cross mode's mean peak time from its modes' learning windows (median cross-mode peak "
                  f"{typical:.3g})", "; ".join(parts) + f"; distances {', '.join(f'{d:.3g}' for d in distances)}", "0 (inside a window)",
                  f"{k:.3g} SE of the peak time + one trace interval ({max(tolerances):.3g} at most)",
                  all(d <= tol for d, tol in zip(distances, tolerances)), kind=claimsmod.PAPER_CLAIM,
                  power=claimsmod.power(max(tolerances), rival, "peaks at arbitrary times in the run (mean distance of a uniform time)"),
                  location="App. I.1, Fig. 6 caption", quote=QUOTE_CAPTION)

        # "the 0-1 cross mode has the largest peak": the unordered pair {0, 1} against the largest other pair, per seed
        pair_peak = np.fmax(peak, np.swapaxes(peak, 1, 2))
        mean_pair, _ = mean_sem(pair_peak)
        upper = [(a, b) for a in range(pair_peak.shape[1]) for b in range(a + 1, pair_peak.shape[2]) if (a, b) != (0, 1)]
        other = max(upper, key=lambda ab: mean_pair[ab])
        diff_mean, diff_sem = mean_sem(pair_peak[:, 0, 1] - pair_peak[:, other[0], other[1]])
        tol = claimsmod.tolerance(diff_sem, k)
        table.add(f"corlouer_fig6_cross_mode_01_largest_{tag}", fig, f"Depth {depth}: the 0-1 cross mode (max of |w_01|, |w_10|) has the largest peak",
                  f"peak of 0-1 minus the peak of the largest other pair ({other[0]}-{other[1]}), paired over seeds",
                  f"{claimsmod.format_mean_sem(diff_mean, diff_sem)} (0-1: {mean_pair[0, 1]:.4g}, {other[0]}-{other[1]}: {mean_pair[other]:.4g})",
                  "> 0", f"{k:.3g} SE = {tol:.2g}", diff_mean > 0, kind=claimsmod.PAPER_CLAIM,
                  power=claimsmod.power(tol, diff_mean, f"pair {other[0]}-{other[1]} as large"), location="App. I.1", quote=QUOTE_01)

        # D_ab along SGD, where the modes' diffusion peaks (Prop. 3.3's cross-mode diffusion is zero only when aligned)
        rho = diffusion_correlation_at_peaks(diffusion)
        rho_mean, rho_sem = mean_sem(np.abs(rho))
        a, b = np.unravel_index(np.nanargmax(rho_mean), rho_mean.shape)
        tol = claimsmod.tolerance(rho_sem[a, b], k)
        table.add(f"corlouer_fig6_cross_diffusion_along_sgd_{tag}", fig,
                  f"Depth {depth}: along SGD (only approximately aligned) the cross-mode diffusion D_ab at the diffusion peaks, "
                  "against the aligned manifold's 0",
                  "largest seed-mean |rho_ab| = |D_ab| / sqrt(D_aa D_bb) of the teacher modes at the time of mode a's diffusion peak",
                  f"|rho_{a}{b}| = {claimsmod.format_mean_sem(rho_mean[a, b], rho_sem[a, b])}; all: "
                  + ", ".join(f"{i}{j}: {rho_mean[i, j]:.3g}" for i in range(len(s)) for j in range(len(s)) if i != j),
                  "0 (aligned manifold)", f"{k:.3g} SE = {tol:.2g}", claimsmod.within(rho_mean[a, b], rho_sem[a, b], k),
                  kind=claimsmod.CONSISTENCY_CHECK, power=claimsmod.power(tol, 1.0, "fully correlated modes (|rho| = 1)"))

    for depth in sorted({int(d) for d in ds.depth.values}):
        matrix_free, dense, misaligned = aligned_point_cross_diffusion(depth, s)
        tol = 1e-12  # rounding of O(10^2) products of O(1) numbers in float64
        table.add(f"corlouer_fig6_cross_diffusion_zero_when_aligned_L{depth}", "Fig. 6", f"Depth {depth}: D_ab = 0 (a != b) on an aligned, balanced point",
                  "max |D_ab| / max D_aa on a constructed aligned balanced point (w = s/2): matrix-free Eq. 29 and dense Prop. 3.2",
                  f"{matrix_free:.2g} (matrix-free), {dense:.2g} (dense); misaligned by 0.1 rad: {misaligned:.3g}", "0", f"{tol:g}",
                  max(matrix_free, dense) <= tol, kind=claimsmod.PAPER_CLAIM, power=claimsmod.power(tol, misaligned, "a point misaligned by 0.1 rad"),
                  location="App. E, item 3 (Prop. 3.3)", quote=QUOTE_ALIGNED)
    table.write(output)
