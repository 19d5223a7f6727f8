# gen_famd.R writes the FactoMineR golden fixtures for model/famd.
#
# Run from this directory:   Rscript gen_famd.R
# Tools: R 4.2.2 + FactoMineR 2.7 + jsonlite (the versions used are recorded in every JSON).
#
# For every case it writes <case>.csv (the data, exactly as both R and Go read it: R re-reads
# the CSV before fitting so both sides parse the same text) and <case>.json (FactoMineR's
# results). Matrices are stored row-major as arrays of rows; NaN/Inf become null. Level
# names in the JSON are "column=level", in FactoMineR's order (columns in data order, levels
# sorted). The Go tests compare to 1e-8 relative (1e-10 absolute near zero); see
# golden_test.go.
suppressPackageStartupMessages({
  library(FactoMineR)
  library(jsonlite)
})

meta <- list(
  r_version = unbox(R.version.string),
  factominer_version = unbox(as.character(packageVersion("FactoMineR"))),
  generator = unbox("model/famd/testdata/gen_famd.R")
)

rows <- function(m) {
  m <- as.matrix(m)
  m[!is.finite(m)] <- NA
  unname(lapply(seq_len(nrow(m)), function(i) unname(m[i, ])))
}
vec <- function(v) {
  v <- as.numeric(v)
  v[!is.finite(v)] <- NA
  v
}

# write_case writes d to <name>.csv, reads it back and stores FAMD's (or, with no
# categorical column, PCA's) results in <name>.json.
write_case <- function(name, d, ncp = 5, note = "") {
  csv <- paste0(name, ".csv")
  write.csv(d, csv, row.names = FALSE)
  d <- read.csv(csv, stringsAsFactors = TRUE)
  isnum <- sapply(d, is.numeric)
  num <- names(d)[isnum]
  cat <- names(d)[!isnum]
  out <- c(meta, list(case = unbox(name), note = unbox(note), n = unbox(nrow(d)), ncp = unbox(ncp),
    num = num, cat = cat))
  if (length(cat) == 0) {
    res <- PCA(d, ncp = ncp, graph = FALSE, scale.unit = TRUE)
    out$method <- unbox("PCA(scale.unit=TRUE)")
    out$eig_all <- vec(res$svd$vs^2)
    k <- ncol(res$ind$coord)
    out$eig <- vec(res$eig[1:k, 1])
    out$percent <- vec(res$eig[1:k, 2])
    out$cumulative <- vec(res$eig[1:k, 3])
    out$ind_coord <- rows(res$ind$coord)
    out$ind_contrib <- rows(res$ind$contrib)
    out$ind_cos2 <- rows(res$ind$cos2)
    out$ind_dist <- vec(res$ind$dist)
    out$quanti_coord <- rows(res$var$coord)
    out$quanti_contrib <- rows(res$var$contrib)
    out$quanti_cos2 <- rows(res$var$cos2)
    out$var_names <- num
    out$var_coord <- rows(res$var$coord^2)
    out$var_contrib <- rows(res$var$contrib)
    out$var_cos2 <- rows(res$var$cos2^2)
  } else {
    res <- FAMD(d, ncp = ncp, graph = FALSE)
    out$method <- unbox("FAMD")
    out$eig_all <- vec(res$svd$vs^2)
    out$eig <- vec(res$eig[, 1])
    out$percent <- vec(res$eig[, 2])
    out$cumulative <- vec(res$eig[, 3])
    out$ind_coord <- rows(res$ind$coord)
    out$ind_contrib <- rows(res$ind$contrib)
    out$ind_cos2 <- rows(res$ind$cos2)
    out$ind_dist <- vec(res$ind$dist)
    if (length(num) > 0) {
      out$quanti_coord <- rows(res$quanti.var$coord)
      out$quanti_contrib <- rows(res$quanti.var$contrib)
      out$quanti_cos2 <- rows(res$quanti.var$cos2)
    }
    out$quali_names <- unlist(lapply(cat, function(q) paste(q, levels(d[[q]]), sep = "=")))
    out$quali_coord <- rows(res$quali.var$coord)
    out$quali_contrib <- rows(res$quali.var$contrib)
    out$quali_cos2 <- rows(res$quali.var$cos2)
    out$quali_vtest <- rows(res$quali.var$v.test)
    out$var_names <- c(num, cat)
    out$var_coord <- rows(res$var$coord)
    out$var_contrib <- rows(res$var$contrib)
    out$var_cos2 <- rows(res$var$cos2)
  }
  writeLines(toJSON(out, digits = NA, na = "null"), paste0(name, ".json"))
  cat(sprintf("%-10s n=%4d num=%d cat=%d ncp=%d eig=%s\n", name, nrow(d), length(num),
              length(cat), ncp, paste(signif(out$eig, 6), collapse = " ")))
}

# The Wikipedia FAMD example (also prince's tests/test_famd.py fixture).
wiki <- data.frame(
  k1 = c(2, 5, 3, 4, 1, 6), k2 = c(4.5, 4.5, 1, 1, 1, 1), k3 = c(4, 4, 2, 2, 1, 2),
  q1 = c("A", "C", "B", "B", "A", "C"), q2 = c("B", "B", "B", "B", "A", "A"),
  q3 = c("C", "C", "B", "B", "A", "A"))
write_case("wiki", wiki, note = "Wikipedia FAMD example; eigenvalues 3.466804028 2.5 1.971104825 0.055852845 0.006238302")

# A store-like table: skewed numerics, correlated categoricals.
set.seed(20240611)
n <- 500
region <- sample(c("north", "south", "east", "west", "central"), n, TRUE, prob = c(.3, .25, .2, .15, .1))
urban <- ifelse(region == "central",
  sample(c("city", "suburb", "rural"), n, TRUE, prob = c(.7, .2, .1)),
  sample(c("city", "suburb", "rural"), n, TRUE, prob = c(.3, .4, .3)))
sqm <- round(rgamma(n, shape = 3, scale = 400) * ifelse(urban == "rural", 1.4, 1), 1)
format <- as.character(cut(sqm, c(0, 600, 1200, 2000, Inf), labels = c("express", "compact", "super", "hyper")))
flip <- runif(n) < 0.15
format[flip] <- sample(c("express", "compact", "super", "hyper"), sum(flip), TRUE)
sales <- round(exp(rnorm(n, 10 + 0.0004 * sqm + 0.3 * (urban == "city"), 0.5)), 2)
footfall <- round(sales / exp(rnorm(n, 3, 0.2)), 1)
margin <- round(rbeta(n, 2, 8) + 0.03 * (format == "express") + 0.02 * (region == "south"), 4)
staff <- round(sqm / 100 + rgamma(n, 2, 1), 1)
competition <- ifelse(urban == "city", sample(c("none", "low", "mid", "high"), n, TRUE, prob = c(.1, .2, .3, .4)),
  sample(c("none", "low", "mid", "high"), n, TRUE, prob = c(.4, .3, .2, .1)))
stores <- data.frame(sales, sqm, footfall, margin, staff, region, urban, format, competition)
write_case("stores", stores, note = "synthetic stores: 5 skewed numeric, 4 correlated categorical")
write_case("ncp1", stores[1:300, ], ncp = 1,
  note = "ncp=1 on a tall table: FactoMineR keeps LAPACK's sign (no colSums rule), compare up to sign")
write_case("onecat", stores[, c("sales", "sqm", "footfall", "margin", "staff", "format")],
  note = "numeric columns plus a single categorical column")
write_case("onenum", stores[, c("sales", "region", "urban", "format", "competition")],
  note = "a single numeric column plus categoricals")
write_case("catonly", stores[1:300, c("region", "urban", "format", "competition")],
  note = "categorical columns only (FactoMineR accepts it)")
write_case("numonly", stores[1:300, c("sales", "sqm", "footfall", "margin", "staff")],
  note = "numeric columns only: FactoMineR::FAMD refuses, reference is FactoMineR::PCA(scale.unit=TRUE)")

const <- stores[1:256, ]
const$opened <- 7
write_case("constnum", const[, c("sales", "sqm", "opened", "margin", "staff", "region", "urban", "format", "competition")],
  note = "a constant numeric column (n=256 so FactoMineR's mean of it is exact)")

single <- stores
single$region <- as.character(single$region)
single$region[17] <- "island"
write_case("singleton", single, note = "level region=island has a single store")

# Near-collinear numerics: a tiny eigenvalue the Gram route alone cannot resolve to 1e-8.
coll <- stores[1:400, ]
coll$sales2 <- round(coll$sales * 1.5 + rnorm(400, 0, 1), 5)
write_case("collinear", coll[, c("sales", "sales2", "sqm", "footfall", "margin", "staff", "region", "urban", "format")],
  note = "sales2 = 1.5*sales + tiny noise: smallest eigenvalue ~1e-10 of the largest")

# A categorical nested in another (district within region): exact zero eigenvalues inside the cap.
nest <- stores[1:400, ]
nest$district <- paste0(substr(nest$region, 1, 2), sample(1:3, 400, TRUE))
write_case("nested", nest[, c("sales", "sqm", "margin", "region", "district", "format")],
  note = "district is nested in region: exact linear dependencies, zero eigenvalues within the cap")

# 200 levels: every level appears, many with one or two stores; city shifts sales.
set.seed(7)
n <- 600
city <- c(sprintf("c%03d", 1:200), sprintf("c%03d", sample(1:200, n - 200, TRUE, prob = (1:200)^-1.2)))
eff <- rnorm(200, 0, 0.6)
names(eff) <- sprintf("c%03d", 1:200)
sqm2 <- round(rgamma(n, 3, scale = 400), 1)
sales2 <- round(exp(10 + 0.0005 * sqm2 + eff[city] + rnorm(n, 0, 0.3)), 2)
margin2 <- round(rbeta(n, 2, 8), 4)
format2 <- as.character(cut(sqm2, c(0, 600, 1200, 2000, Inf), labels = c("express", "compact", "super", "hyper")))
lv <- data.frame(sales = sales2, sqm = sqm2, margin = margin2, city, format = format2)
write_case("levels200", lv, note = "a categorical with 200 levels, many with a single store")
