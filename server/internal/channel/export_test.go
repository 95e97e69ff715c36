package channel

// SetAfterLook makes every look of p's push runs call fn once it has read
// what to send, before the run decides whether to send or end.
func SetAfterLook(p *Pusher, fn func()) { p.afterLook = fn }

// FollowUpAt is followUpAt, for the tests of the follow-up schedule.
var FollowUpAt = followUpAt

// FollowUpMargin is followUpMargin.
const FollowUpMargin = followUpMargin
