# famd_compare.R is the FactoMineR contender of famd_compare.py.
#
# Usage: Rscript famd_compare.R <csv> <numeric,cols> <categorical,cols> <k>
# Prints one JSON line: {"rows": n, "read_seconds": s, "seconds": s, "eigenvalues": [...]},
# where seconds is the time FactoMineR::FAMD took (graph = FALSE).
suppressPackageStartupMessages({
  library(FactoMineR)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
csv <- args[1]
num <- strsplit(args[2], ",")[[1]]
cat <- if (nchar(args[3]) > 0) strsplit(args[3], ",")[[1]] else character(0)
k <- as.integer(args[4])

t0 <- proc.time()[["elapsed"]]
d <- if (requireNamespace("data.table", quietly = TRUE)) {
  as.data.frame(data.table::fread(csv, select = c(num, cat), showProgress = FALSE))
} else {
  read.csv(csv)[, c(num, cat)]
}
for (q in cat) d[[q]] <- factor(d[[q]])
for (j in num) d[[j]] <- as.numeric(d[[j]])
t1 <- proc.time()[["elapsed"]]
res <- FAMD(d, ncp = k, graph = FALSE)
t2 <- proc.time()[["elapsed"]]
cat(toJSON(list(rows = unbox(nrow(d)), read_seconds = unbox(t1 - t0), seconds = unbox(t2 - t1),
                eigenvalues = unname(res$eig[, 1])), digits = NA), "\n")
