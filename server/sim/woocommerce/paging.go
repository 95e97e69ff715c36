package woocommerce

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type paging struct {
	page, perPage, offset int
	hasOffset             bool
}

// pagingOf reads page, per_page (1..100) and offset as WordPress validates them.
func pagingOf(q url.Values, def int) (paging, *apiError) {
	p := paging{page: 1, perPage: def}
	bad := map[string]string{}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			bad["page"] = "page is not of type integer."
		case n < 1:
			bad["page"] = "page must be greater than or equal to 1"
		default:
			p.page = n
		}
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			bad["per_page"] = "per_page is not of type integer."
		case n < 1 || n > 100:
			bad["per_page"] = "per_page must be between 1 (inclusive) and 100 (inclusive)"
		default:
			p.perPage = n
		}
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			bad["offset"] = "offset is not of type integer."
		} else {
			p.offset, p.hasOffset = n, true
		}
	}
	if len(bad) > 0 {
		return p, invalidParams(bad)
	}
	return p, nil
}

// window returns the slice bounds of the requested page among total items.
func (p paging) window(total int) (int, int) {
	start := (p.page - 1) * p.perPage
	if p.hasOffset {
		start = p.offset
	}
	if start > total {
		start = total
	}
	return start, min(start+p.perPage, total)
}

// setPageHeaders writes X-WP-Total, X-WP-TotalPages and the Link header
// (prev, next, first, last) built from the request's own URL, without its
// authentication parameters.
func setPageHeaders(w http.ResponseWriter, r *http.Request, https bool, p paging, total int) {
	pages := (total + p.perPage - 1) / p.perPage
	w.Header().Set("X-WP-Total", strconv.Itoa(total))
	w.Header().Set("X-WP-TotalPages", strconv.Itoa(pages))
	q := url.Values{}
	for k, vs := range r.URL.Query() {
		if strings.HasPrefix(k, "oauth_") || k == "consumer_key" || k == "consumer_secret" {
			continue
		}
		q[k] = vs
	}
	scheme := "http"
	if https {
		scheme = "https"
	}
	at := func(page int) string {
		q.Set("page", strconv.Itoa(page))
		return "<" + scheme + "://" + r.Host + r.URL.EscapedPath() + "?" + q.Encode() + ">"
	}
	var parts []string
	if p.page > 1 && pages > 0 {
		prev := min(p.page-1, pages)
		parts = append(parts, at(prev)+`; rel="prev"`)
	}
	if p.page < pages {
		parts = append(parts, at(p.page+1)+`; rel="next"`)
	}
	if pages > 1 {
		parts = append(parts, at(1)+`; rel="first"`, at(pages)+`; rel="last"`)
	}
	if len(parts) > 0 {
		w.Header().Set("Link", strings.Join(parts, ", "))
	}
}

var restDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}(:?\d{2})?)?$`)

// dateParam parses an ISO-8601 filter as WordPress does: with an offset it
// is that instant; without one it is UTC when dates_are_gmt is true and the
// store's local time otherwise.
func dateParam(v string, gmtDates bool, tz *time.Location) (time.Time, bool) {
	if !restDate.MatchString(v) {
		return time.Time{}, false
	}
	v = strings.Replace(strings.Replace(v, " ", "T", 1), "t", "T", 1)
	if t, err := time.Parse(time.RFC3339Nano, strings.Replace(v, "z", "Z", 1)); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02T15:04:05-0700", v); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02T15:04:05-07", v); err == nil {
		return t, true
	}
	loc := tz
	if gmtDates {
		loc = time.UTC
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", v, loc)
	return t, err == nil
}

// boolParam reads a WordPress boolean argument.
func boolParam(v string) (val, ok bool) {
	switch strings.ToLower(v) {
	case "", "false", "0":
		return false, true
	case "true", "1":
		return true, true
	}
	return false, false
}

// listParam reads an array argument given as a comma list or as name[]=….
func listParam(q url.Values, name string) []string {
	var out []string
	for _, v := range append(q[name], q[name+"[]"]...) {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func idsParam(q url.Values, name string) ([]int64, bool) {
	var out []int64
	for _, v := range listParam(q, name) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}
