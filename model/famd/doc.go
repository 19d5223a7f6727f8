// Package famd implements factor analysis of mixed data (FAMD), matching R
// FactoMineR::FAMD 2.7 to machine precision.
//
// FAMD (Escofier 1979; Pagès 2004) is a principal component analysis of a table whose
// numeric columns are centred and divided by their population standard deviation and whose
// categorical columns are coded as indicator columns, each centred and divided by the square
// root of its level's proportion. Rows weigh 1/n and columns weigh 1. Under this coding a
// numeric column and a categorical column (as a whole) weigh alike, and a component's
// eigenvalue is the sum of the squared correlations (numeric) and correlation ratios η²
// (categorical) of the variables with it.
//
// # References
//
//   - B. Escofier (1979). Traitement simultané de variables quantitatives et qualitatives en
//     analyse factorielle. Cahiers de l'analyse des données 4(2), 137–146.
//   - J. Pagès (2004). Analyse factorielle de données mixtes. Revue de statistique appliquée
//     52(4), 93–111.
//   - S. Lê, J. Josse, F. Husson (2008). FactoMineR: an R package for multivariate analysis.
//     Journal of Statistical Software 25(1). doi:10.18637/jss.v025.i01
//   - J. Demmel, L. Grigori, M. Hoemmen, J. Langou (2012). Communication-optimal parallel and
//     sequential QR and LU factorizations. SIAM J. Sci. Comput. 34(1), A206–A239 (TSQR).
//
// # How it is computed
//
// The n × (p+L) coded table is never materialised. Fit makes two passes over the columns of
// the frame, in parallel over fixed blocks of rows whose partial results are summed in block
// order (so the result is bit-for-bit the same for any Workers):
//
//  1. column sums, extremes and level counts give centres and level proportions;
//  2. the centred cross products give the (p+L)×(p+L) covariance C of the coded table:
//     numeric×numeric sums, per-level sums of every numeric column, and integer
//     co-occurrence counts of every pair of categorical columns (exact).
//
// A symmetric eigendecomposition of C gives the eigenvalues λ and loadings V, and a third pass
// computes the principal coordinates F = Z·V row by row. Forming C limits eigenvalue accuracy
// to about m·ε·λ₁ (m = p+L) in absolute terms; when an eigenvalue inside the non-trivial range
// is small enough for that to exceed 1e-9 relative, Fit refines the decomposition with a
// tall-skinny QR of the coded table (built block by block, never whole) and an SVD of its
// small triangular factor, which resolves small eigenvalues as accurately as FactoMineR's
// own SVD.
//
// # FactoMineR conventions reproduced
//
//   - Population standard deviation; a standard deviation ≤ 1e-16 is replaced by 1. An exactly
//     constant column is centred to exact zeros (FactoMineR may instead scale the rounding
//     error of its mean up to ±1).
//   - Levels that no row uses are dropped (R's droplevels); they are unseen at transform time.
//   - The number of components is capped at min(n−1, p + L − Q) (Q categorical columns).
//   - Signs follow svd.triplet: every loading column is multiplied by the sign of its sum (a
//     zero sum counts as positive). FactoMineR skips this rule when ncp = 1 and the table has
//     more rows than coded columns, keeping LAPACK's arbitrary sign; this package always
//     applies it.
//   - A component whose eigenvalue is numerically zero (rank deficiency: constant columns,
//     nested or duplicated categoricals) gets a zero loading vector, so its coordinates,
//     contributions and cos² are 0, as FactoMineR's svd.triplet makes them (it scales such
//     singular vectors by their singular value < 1e-15).
//   - Where FactoMineR divides zero by zero (cos² and correlation of a constant numeric
//     column, v-test and var cos² of a single-level categorical, cos² of a row at the centre)
//     it reports NaN or Inf; this package reports 0.
//
// FactoMineR refuses a table without categorical columns; this package accepts it and then
// computes exactly FactoMineR::PCA(scale.unit = TRUE), which is what FAMD reduces to.
//
// # Projecting new rows
//
// Model.TransformRow and Model.Transform use the fit-time centres, standard deviations and
// level proportions (FactoMineR predict.FAMD), so a training row projected alone gives its fit
// coordinates. A level the fit never saw (code frame.Missing, or a level unused at fit time) is
// an error under UnseenError; under UnseenZero its raw indicator vector is all zeros, so after
// centring and scaling the variable's coded values are −√p_l for every level l, and its
// contribution to the coordinates is −Σ_l √p_l·V_l. That vector is zero up to rounding,
// because every loading with a non-zero eigenvalue is orthogonal to (√p_l)_l: an unseen level
// puts the variable at the centre of gravity.
package famd
