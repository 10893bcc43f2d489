// An institution's history as the server returns it (GetHistory, newest first), and what
// corrections did to it: the latest correction of each event wins; a withdrawn event no
// longer counts, a re-dated one counts by its new date, a replaced one by its replacement.

// The latest correction of each corrected event, by the corrected event's id.
export function correctionsOf(events) {
  const latest = {};
  for (const e of [...events].sort((a, b) => Number(a.version) - Number(b.version))) {
    const c = e.payload && e.payload.eventCorrected;
    if (c && (c.withdraw || c.newEffectiveDate || c.replacement)) {
      latest[c.correctedEventId] = { ...c, on: e.effectiveDate, eventId: e.eventId };
    }
  }
  return latest;
}

// The events that count, oldest first, each with the payload and date it counts by.
export function counting(events) {
  const corrected = correctionsOf(events);
  return [...events]
    .sort((a, b) => Number(a.version) - Number(b.version))
    .filter((e) => !(corrected[e.eventId] && corrected[e.eventId].withdraw) && !e.payload.eventCorrected)
    .map((e) => {
      const c = corrected[e.eventId];
      if (!c) return e;
      return {
        ...e,
        payload: c.replacement ? { ...c.replacement } : e.payload,
        effectiveDate: c.newEffectiveDate || e.effectiveDate,
      };
    });
}

// The event's payload message: the one field of the oneof that is set (e.g. srgDesignated).
export function payloadOf(event) {
  const keys = Object.keys(event.payload || {});
  return keys.length ? event.payload[keys[0]] || {} : {};
}
