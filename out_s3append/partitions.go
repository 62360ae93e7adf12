package out_s3append

import (
	"sort"
	"strings"
	"time"

	"github.com/s3append/s3append/conf"
	"github.com/s3append/s3append/format"
)

// An object's key holds its records' event-time slot (the hour, for a key
// with %H). Records of one slot can arrive late, so the object stays open
// until late_data_window after its slot is over; then it is completed.
// Records later still open a new object of their own slot: a partition
// never takes a neighbour's records.

// keyLocation is the time zone the key's time conversions are rendered in.
func (in *Instance) keyLocation() *time.Location { return in.keys.loc }

// slotEnd is when the event-time slot holding sec ends, or zero when the
// key has no time conversion. Slots are cut in the key's time zone, on the
// wall clock, so a day is a local day whatever its length.
func (in *Instance) slotEnd(sec int64) time.Time {
	g := in.keys.timeGranularity()
	if g == 0 {
		return time.Time{}
	}
	t := time.Unix(sec, 0).In(in.keyLocation())
	y, mo, d := t.Date()
	switch {
	case g >= 24*time.Hour:
		return time.Date(y, mo, d+1, 0, 0, 0, 0, t.Location())
	case g >= time.Hour:
		return time.Date(y, mo, d, t.Hour()+1, 0, 0, 0, t.Location())
	case g >= time.Minute:
		return time.Date(y, mo, d, t.Hour(), t.Minute()+1, 0, 0, t.Location())
	}
	return t.Add(time.Second)
}

// noteSlot fixes o's slot end from the first record written to it, and
// when it was last written. Dead letters are routed by when they arrived,
// not by event time.
func (in *Instance) noteSlot(o *object, data []byte, now time.Time) {
	o.lastWrite.Store(now.UnixNano())
	if in.slot == 0 || o.slotEnd.Load() != 0 || strings.HasPrefix(o.route, deadMarker) {
		return
	}
	var r format.Reader
	var ev format.Event
	r.Reset(data)
	if r.Next(&ev) == nil {
		if end := in.slotEnd(ev.Sec); !end.IsZero() {
			o.slotEnd.Store(end.Unix())
		}
	}
}

// slotOver says whether o's slot ended more than late_data_window ago and
// no record came for as long. The second condition keeps a backfill of old
// logs, whose slots are all long over, from making an object per tick.
func (in *Instance) slotOver(o *object, now time.Time) bool {
	end := o.slotEnd.Load()
	return end != 0 && now.Sub(time.Unix(end, 0)) >= in.cfg.LateDataWindow &&
		now.Sub(time.Unix(0, o.lastWrite.Load())) >= in.cfg.LateDataWindow
}

// evictOpen completes the least recently written open objects while more
// than max_open_objects take records, sparing those of the flush at hand.
func (in *Instance) evictOpen(keep []group) {
	in.mu.Lock()
	over := len(in.open) - in.cfg.MaxOpenObjects
	if over <= 0 {
		in.mu.Unlock()
		return
	}
	spared := make(map[*object]bool, len(keep))
	for _, g := range keep {
		spared[g.obj] = true
	}
	candidates := make([]*object, 0, len(in.open))
	for _, o := range in.open {
		if !spared[o] {
			candidates = append(candidates, o)
		}
	}
	in.mu.Unlock()
	sort.Slice(candidates, func(i, j int) bool { return candidates[i].lastWrite.Load() < candidates[j].lastWrite.Load() })
	if over > len(candidates) {
		over = len(candidates)
	}
	for _, o := range candidates[:over] {
		in.sealObject(o, "max_open_objects")
	}
	if over > 0 {
		in.log.Limitedf(LevelWarn, "max_open_objects", "max_open_objects (%d) reached: completed %d least recently written objects early (the last %s); %s", in.cfg.MaxOpenObjects, over, candidates[over-1].key, variableParts(in.cfg.S3KeyFormat))
	}
}

// variableParts names what in the key template multiplies the open
// objects, for the max_open_objects warning.
func variableParts(t *conf.KeyTemplate) string {
	var parts []string
	seen := map[string]bool{}
	for _, p := range t.Parts {
		var name string
		switch p.Kind {
		case conf.KeyTag, conf.KeyTagPart:
			name = "the tag"
		case conf.KeyStrftime:
			name = "the event time"
		case conf.KeyRecord:
			name = "the record fields"
		default:
			continue
		}
		if !seen[name] {
			seen[name] = true
			parts = append(parts, name)
		}
	}
	if len(parts) == 0 {
		return "raise max_open_objects"
	}
	return "s3_key_format " + t.Raw + " opens one object per value of " + strings.Join(parts, " and ") + "; raise max_open_objects or make the key coarser"
}
