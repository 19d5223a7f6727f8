// Package preprocess is storeseg's fitted preprocessor (the original service's
// "behavioral_scaler"): it turns a raw store table into the prepared table FAMD expects, and
// does the same to one store at a time in the stream, with the statistics learned at fit time.
//
// # Numeric features
//
// Each numeric feature is validated, transformed, then imputed:
//
//   - Validation: a value must be finite (NaN means missing), at least Min and at most Max
//     when those are set, and greater than −1 under Log1p. A violation is an [*Error] naming
//     the feature (and the row of a frame); in the stream it sends the event to the DLQ.
//   - Transform: None or Log1p (log(1+x)). Transforms apply before imputation, so the
//     imputed value lives on the transformed scale.
//   - Impute: a missing value becomes the median (Median) or mean (Mean) of the transformed
//     column's non-missing values at fit time, zero (Zero), or an error (Error). The median of
//     an even count is the mean of the two middle values and the mean uses pairwise summation,
//     both exactly as numpy.median and numpy.mean on the non-missing values.
//
// # Categorical features
//
// Each categorical feature goes through missing handling, then rare-level merging:
//
//   - Missing: Category maps a missing value to a level named "missing" (joining a raw level
//     of that name if there is one); Mode maps it to the most frequent level at fit time (ties
//     go to the bytewise smallest level); Error makes it an error naming the feature and row.
//   - Rare levels: shares are computed after missing handling, over all fitted rows, so the
//     "missing" level is itself merged if rare. Every level whose share is below MinFrequency
//     merges into a level named "other" (joining a raw level of that name if there is one).
//   - The prepared levels are sorted bytewise, as pandas.get_dummies orders its columns.
//
// At apply time a level never seen at fit maps to "other" when the fitted levels include
// "other", and otherwise to [frame.Missing], leaving the decision to FAMD's unseen policy.
// Such values are counted and reported by [Preprocessor.ApplyUnseen] and
// [Preprocessor.ApplyRecordUnseen]. A missing value under Category when the fit saw no missing
// value is treated the same way (there is no "missing" level to map it to).
//
// # Guarantees
//
// Fit's prepared frame, Apply on the same raw frame and ApplyRecord on each of its rows give
// bit-identical values: all three run the same per-value code. ApplyRecord does not allocate
// once dst has capacity for a row.
//
// The fitted preprocessor serializes (MarshalBinary) into the npz container: meta.json holds
// the specs and level maps, numeric_fill.npy the imputation values, so Python can read it.
package preprocess
