package synth

// Column names of the generated table, in order.
var (
	numNames = []string{"revenue_12m", "sales_area_m2", "footfall_weekly", "avg_basket", "staff_count",
		"opening_hours_week", "competitor_distance_km", "parking_spaces", "online_share", "store_age_years"}
	catNames = []string{"format", "placement", "region", "ownership", "city"}
)

// Numeric column indexes.
const (
	colRevenue = iota
	colArea
	colFootfall
	colBasket
	colStaff
	colHours
	colCompetitor
	colParking
	colOnline
	colAge
)

// Categorical column indexes.
const (
	colFormat = iota
	colPlacement
	colRegion
	colOwnership
	colCity
)

// Levels of the categorical columns.
var (
	formats    = []string{"hypermarket", "supermarket", "discount", "convenience", "express", "kiosk", "fashion", "general", "flagship"}
	placements = []string{"out_of_town", "retail_park", "suburban_centre", "high_street", "station", "airport", "mall", "village_centre"}
	regions    = []string{"north", "south", "east", "west", "central"}
	ownerships = []string{"corporate", "franchise", "partner"}
	// cities[r] lists the cities of region r, largest first.
	cities = [][]string{
		{"Hamburg", "Bremen", "Kiel", "Lübeck", "Rostock", "Oldenburg", "Flensburg"},
		{"Munich", "Stuttgart", "Nuremberg", "Augsburg", "Freiburg", "Regensburg", "Ulm"},
		{"Berlin", "Leipzig", "Dresden", "Chemnitz", "Erfurt", "Magdeburg", "Cottbus"},
		{"Cologne", "Düsseldorf", "Dortmund", "Essen", "Münster", "Aachen", "Bielefeld"},
		{"Frankfurt", "Hanover", "Kassel", "Mainz", "Wiesbaden", "Göttingen", "Fulda"},
	}
)

// Outlier is the archetype name of the generated outliers.
const Outlier = "outlier"

// archetype describes how one kind of store is generated. The size position t of a store is
// drawn from [tLo, tHi]; log sales area and log revenue follow it, revenue along a parabola
// (curve ≠ 0 gives a banana-shaped cloud), with the given noise.
type archetype struct {
	name   string
	weight float64 // share among non-outlier stores

	tLo, tHi      float64
	area0, area1  float64 // log m² at t=0 and its slope
	areaSD        float64
	rev0, rev1    float64 // log EUR at t=0 and slope
	curve, revSD  float64
	basket, bskSD float64 // median EUR per visit
	revPerStaff   float64 // EUR
	hours         []float64
	competitorKM  float64 // median
	parkPerM2     float64 // parking spaces per m² of sales area (0: none)
	online        float64 // median online share
	age           float64 // median years
	cityBias      float64 // >0 favours large cities, <0 small towns
	formatW       []float64
	placementW    []float64
	regionW       []float64
}

var archetypes = []archetype{
	{name: "hypermarket_out_of_town", weight: 0.06, tLo: 0, tHi: 1,
		area0: 8.55, area1: 0.85, areaSD: 0.05, rev0: 17.1, rev1: 1.5, curve: -3.2, revSD: 0.05,
		basket: 58, bskSD: 0.12, revPerStaff: 260e3, hours: []float64{84, 90, 96}, competitorKM: 6,
		parkPerM2: 1.0 / 12, online: 0.08, age: 18, cityBias: 0.3,
		formatW:    []float64{0.9, 0.1},
		placementW: []float64{0.75, 0.25},
		regionW:    []float64{0.2, 0.25, 0.2, 0.2, 0.15}},
	{name: "suburban_supermarket", weight: 0.25, tLo: 0, tHi: 1,
		area0: 6.6, area1: 1.1, areaSD: 0.04, rev0: 14.6, rev1: 1.5, revSD: 0.06,
		basket: 31, bskSD: 0.1, revPerStaff: 220e3, hours: []float64{72, 78, 84}, competitorKM: 1.8,
		parkPerM2: 1.0 / 30, online: 0.05, age: 15, cityBias: 0,
		formatW:    []float64{0, 0.78, 0.22},
		placementW: []float64{0, 0.2, 0.7, 0.1},
		regionW:    []float64{0.2, 0.22, 0.18, 0.22, 0.18}},
	{name: "urban_convenience", weight: 0.24, tLo: 0.4, tHi: 0.6,
		area0: 5.0, area1: 0.6, areaSD: 0.12, rev0: 13.4, rev1: 0.8, revSD: 0.12,
		basket: 9, bskSD: 0.1, revPerStaff: 180e3, hours: []float64{98, 112, 126, 168}, competitorKM: 0.25,
		online: 0.02, age: 8, cityBias: 1.6,
		formatW:    []float64{0, 0, 0, 0.82, 0.18},
		placementW: []float64{0, 0, 0.15, 0.75, 0.1},
		regionW:    []float64{0.2, 0.2, 0.25, 0.2, 0.15}},
	{name: "transit_kiosk", weight: 0.12, tLo: 0, tHi: 1,
		area0: 3.0, area1: 1.0, areaSD: 0.1, rev0: 12.2, rev1: 1.2, revSD: 0.1,
		basket: 5.5, bskSD: 0.12, revPerStaff: 150e3, hours: []float64{126, 140, 168}, competitorKM: 0.1,
		online: 0.004, age: 6, cityBias: 2.0,
		formatW:    []float64{0, 0, 0, 0.15, 0.15, 0.7},
		placementW: []float64{0, 0, 0, 0, 0.75, 0.25},
		regionW:    []float64{0.18, 0.2, 0.22, 0.2, 0.2}},
	{name: "mall_fashion", weight: 0.13, tLo: 0, tHi: 1,
		area0: 5.6, area1: 1.2, areaSD: 0.15, rev0: 13.8, rev1: 1.6, curve: 1.4, revSD: 0.1,
		basket: 72, bskSD: 0.15, revPerStaff: 200e3, hours: []float64{66, 72}, competitorKM: 0.15,
		online: 0.22, age: 10, cityBias: 1.0,
		formatW:    []float64{0, 0, 0, 0, 0, 0, 0.92, 0, 0.08},
		placementW: []float64{0, 0.1, 0, 0.05, 0, 0, 0.85},
		regionW:    []float64{0.2, 0.25, 0.15, 0.25, 0.15}},
	{name: "rural_general", weight: 0.17, tLo: 0, tHi: 1,
		area0: 5.3, area1: 0.9, areaSD: 0.2, rev0: 12.6, rev1: 1.1, revSD: 0.18,
		basket: 18, bskSD: 0.15, revPerStaff: 160e3, hours: []float64{54, 60, 66}, competitorKM: 14,
		parkPerM2: 1.0 / 20, online: 0.01, age: 35, cityBias: -1.5,
		formatW:    []float64{0, 0.1, 0, 0.15, 0, 0, 0, 0.75},
		placementW: []float64{0, 0, 0, 0.1, 0, 0, 0, 0.9},
		regionW:    []float64{0.3, 0.2, 0.3, 0.15, 0.05}},
	{name: "flagship_city", weight: 0.03, tLo: 0, tHi: 1,
		area0: 7.0, area1: 1.2, areaSD: 0.35, rev0: 16.4, rev1: 1.6, revSD: 0.35,
		basket: 95, bskSD: 0.25, revPerStaff: 300e3, hours: []float64{70, 77}, competitorKM: 0.3,
		online: 0.35, age: 25, cityBias: 3.0,
		formatW:    []float64{0, 0, 0, 0, 0, 0, 0.15, 0, 0.85},
		placementW: []float64{0, 0, 0, 0.8, 0, 0, 0.2},
		regionW:    []float64{0.15, 0.2, 0.2, 0.15, 0.3}},
}

// missingWeight scales MissingShare per column (numeric columns, then categorical); the
// weights average to 1, so MissingShare is the share of missing feature cells overall.
var missingWeight = []float64{
	0.3, 0.5, 1.2, 1.2, 0.8, 0.6, 2.5, 2.0, 1.8, 1.5, // numeric
	0.2, 0.8, 0.3, 1.5, 0.6, // categorical; sum = 15.8 → normalised in newGenerator
}
