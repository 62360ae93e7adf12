package s3access

import "time"

// timeLayout is the request time as S3 writes it between the brackets.
const timeLayout = "02/Jan/2006:15:04:05 -0700"

// EventTime seconds are an uint32 (see format's EventTime): a request time
// outside these bounds could not be carried as the event time.
var (
	minTime = time.Unix(0, 0)
	maxTime = time.Unix(1<<32-1, 0)
)

// parseTime reads the time inside the brackets, 06/Feb/2019:00:00:38
// +0000, and returns it in UTC. It is parsed by hand: time.Parse with a
// numeric offset allocates a Location per call.
func parseTime(b []byte) (time.Time, string) {
	if len(b) != len(timeLayout) || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' ||
		b[17] != ':' || b[20] != ' ' || (b[21] != '+' && b[21] != '-') {
		return time.Time{}, "is not dd/Mon/yyyy:HH:MM:SS +hhmm"
	}
	day, ok1 := digits(b[0:2])
	year, ok2 := digits(b[7:11])
	hour, ok3 := digits(b[12:14])
	minute, ok4 := digits(b[15:17])
	sec, ok5 := digits(b[18:20])
	offH, ok6 := digits(b[22:24])
	offM, ok7 := digits(b[24:26])
	month := monthOf(b[3:6])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || month == 0 {
		return time.Time{}, "is not dd/Mon/yyyy:HH:MM:SS +hhmm"
	}
	if day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 || offM > 59 {
		return time.Time{}, "is not a valid date and time"
	}
	offset := time.Duration(offH)*time.Hour + time.Duration(offM)*time.Minute
	if b[21] == '-' {
		offset = -offset
	}
	// The wall clock at that offset, moved to UTC.
	t := time.Date(year, month, day, hour, minute, sec, 0, time.UTC).Add(-offset)
	if t.Before(minTime) || t.After(maxTime) {
		return time.Time{}, "is outside the event time range (1970 to 2106)"
	}
	return t, ""
}

// digits reads a fixed-width decimal number.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// monthOf reads an English month abbreviation (Jan), or returns 0.
func monthOf(b []byte) time.Month {
	for m := time.January; m <= time.December; m++ {
		name := m.String()
		if b[0] == name[0] && b[1] == name[1] && b[2] == name[2] {
			return m
		}
	}
	return 0
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
