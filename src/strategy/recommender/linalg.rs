//! Small dense linear algebra for the factor models: Gramians, the normal equations of one
//! ALS row and their Cholesky solve.
//!
//! The factor count is a parameter, but nearly every run uses one of a few sizes; for those
//! the kernels are compiled with the dimension as a constant ([`with_dim!`]), so their short
//! triangular loops unroll and lose their bounds checks. Every element still sees the same
//! operations in the same order, so the results are the same to the bit either way.

/// A vector dimension, known at compile time ([`Const`]) or only at run time ([`Dyn`]).
pub(super) trait Dim: Copy + Send + Sync {
    /// The dimension.
    fn get(self) -> usize;
}

/// A dimension fixed at compile time.
#[derive(Debug, Clone, Copy)]
pub(super) struct Const<const F: usize>;

impl<const F: usize> Dim for Const<F> {
    #[inline(always)]
    fn get(self) -> usize {
        F
    }
}

/// A dimension known only at run time.
#[derive(Debug, Clone, Copy)]
pub(super) struct Dyn(pub usize);

impl Dim for Dyn {
    #[inline(always)]
    fn get(self) -> usize {
        self.0
    }
}

/// Evaluates `$body` with `$d` bound to the dimension `$f`: a [`Const`] for the common factor
/// counts, a [`Dyn`] otherwise.
macro_rules! with_dim {
    ($f:expr, $d:ident => $body:expr) => {
        match $f {
            8 => {
                let $d = $crate::strategy::recommender::linalg::Const::<8>;
                $body
            }
            16 => {
                let $d = $crate::strategy::recommender::linalg::Const::<16>;
                $body
            }
            f => {
                let $d = $crate::strategy::recommender::linalg::Dyn(f);
                $body
            }
        }
    };
}
pub(super) use with_dim;

/// `VᵀV` of row vectors of length `d`, in f64, summed in the order given.
pub(super) fn gramian<'a, D: Dim>(d: D, rows: impl Iterator<Item = &'a [f32]>) -> Vec<f64> {
    let f = d.get();
    let mut g = vec![0.0f64; f * f];
    for row in rows {
        let row = &row[..f];
        if row.iter().all(|&x| x == 0.0) {
            continue;
        }
        for a in 0..f {
            let ra = f64::from(row[a]);
            let ga = &mut g[a * f..(a + 1) * f];
            for b in a..f {
                ga[b] += ra * f64::from(row[b]);
            }
        }
    }
    for a in 0..f {
        for b in 0..a {
            g[a * f + b] = g[b * f + a];
        }
    }
    g
}

/// Adds one observation `y` of weight `w` to the normal equations `a x = b` (upper triangle).
#[inline]
pub(super) fn add_row<D: Dim>(
    d: D,
    a: &mut [f64],
    b: &mut [f64],
    confidence: f64,
    y: &[f32],
    w: f32,
) {
    let f = d.get();
    let (a, b, y) = (&mut a[..f * f], &mut b[..f], &y[..f]);
    let c = 1.0 + confidence * f64::from(w);
    for i in 0..f {
        let yi = f64::from(y[i]);
        b[i] += c * yi;
        let s = (c - 1.0) * yi;
        let ai = &mut a[i * f..(i + 1) * f];
        for j in i..f {
            ai[j] += s * f64::from(y[j]);
        }
    }
}

/// Solves `a x = b` by Cholesky in place on the upper triangle (`a = Rᵀ R`), writing `x`.
pub(super) fn cholesky_solve<D: Dim>(d: D, a: &mut [f64], b: &mut [f64], x: &mut [f32]) {
    let f = d.get();
    let (a, b, x) = (&mut a[..f * f], &mut b[..f], &mut x[..f]);
    for i in 0..f {
        for j in i..f {
            let mut s = a[i * f + j];
            for k in 0..i {
                s -= a[k * f + i] * a[k * f + j];
            }
            if i == j {
                a[i * f + i] = s.max(1e-12).sqrt();
            } else {
                a[i * f + j] = s / a[i * f + i];
            }
        }
    }
    // Rᵀ z = b, then R x = z.
    for i in 0..f {
        let mut s = b[i];
        for k in 0..i {
            s -= a[k * f + i] * b[k];
        }
        b[i] = s / a[i * f + i];
    }
    for i in (0..f).rev() {
        let mut s = b[i];
        for k in i + 1..f {
            s -= a[i * f + k] * b[k];
        }
        b[i] = s / a[i * f + i];
    }
    for (xi, bi) in x.iter_mut().zip(b.iter()) {
        *xi = *bi as f32;
    }
}

/// Largest dimension a [`Solver`] holds.
pub(super) const MAX_DIM: usize = 32;

/// Solves one ALS row: `(G + Σ (c−1) y yᵀ + λI) x = Σ c y` with `c = 1 + α w`, in space of
/// its own, so a thread reuses one for every row.
#[derive(Debug)]
pub(super) struct Solver {
    a: [f64; MAX_DIM * MAX_DIM],
    b: [f64; MAX_DIM],
}

impl Default for Solver {
    fn default() -> Self {
        Solver {
            a: [0.0; MAX_DIM * MAX_DIM],
            b: [0.0; MAX_DIM],
        }
    }
}

impl Solver {
    /// Solves for `x` given the Gramian `gram` of the fixed side and the observed `rows`
    /// with their weights.
    pub fn solve<'a, D: Dim>(
        &mut self,
        d: D,
        gram: &[f64],
        lambda: f64,
        confidence: f64,
        rows: impl Iterator<Item = (&'a [f32], f32)>,
        x: &mut [f32],
    ) {
        let f = d.get();
        let a = &mut self.a[..f * f];
        let b = &mut self.b[..f];
        a.copy_from_slice(&gram[..f * f]);
        b.fill(0.0);
        for i in 0..f {
            a[i * f + i] += lambda;
        }
        for (y, w) in rows {
            add_row(d, a, b, confidence, y, w);
        }
        cholesky_solve(d, a, b, x);
    }
}
