// Package hdbscan is HDBSCAN clustering that reproduces Python hdbscan 0.8.44 exactly.
package hdbscan
