// Package synth generates realistic synthetic store tables with known archetypes, for demos,
// tests and benchmarks (the project ships no real store data).
//
// Each store belongs to one of seven archetypes (hypermarket out of town, suburban
// supermarket, urban convenience, transit kiosk, mall fashion, rural general store, city
// flagship) or is an outlier. Archetypes differ in size, density and shape, so that a
// density-based method has something real to find and a spherical one does not have it easy:
//
//   - a latent size position t drives log sales area and log revenue; revenue bends along a
//     parabola in t (hypermarkets: a banana-shaped revenue/area cloud; mall fashion: the
//     opposite bend), and tight noise makes suburban supermarkets a long thin ridge;
//   - convenience stores are a dense compact blob, flagships a sparse wide one;
//   - footfall, basket, staff, parking follow from revenue and area with their own noise,
//     so the numeric columns are correlated as in real store data (revenue ≈ 52 · footfall ·
//     basket), with realistic units and skew;
//   - categorical columns depend on the archetype and on each other: the format drives the
//     placement (kiosks sit in stations and airports), the format and region drive the
//     ownership, the region and archetype drive the city (urban archetypes favour large
//     cities, rural stores small towns). In all 60 levels, 35 of them cities.
//
// Outliers (Config.OutlierShare, default 3%) are either scrambled (every feature drawn on
// its own over a wide range) or extreme (a regular store with two numbers scaled by 12 to 55
// times). Missing values (Config.MissingShare, default 2% of feature cells) hit some columns
// (competitor distance, parking, online share) far more than others (revenue, format).
//
// Generation is deterministic: store i depends only on the seed, the shares and i, through
// its own PCG stream (math/rand/v2), so the same Config always gives the same bytes, any
// store can be generated alone with Generator.Store, and the table streams to disk at any
// size. Generator.UpdateTo gives partial feature updates of a store at later time steps
// (revenue drifting along the store's own trend, occasional staff, online-share and
// ownership changes), for stream producers and benchmarks. docs/synth.md describes the
// columns and archetypes.
package synth
