package channel

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/httpx"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/shared/api"
)

const (
	// testTimeout bounds a connection test: one cheap call.
	testTimeout = 15 * time.Second
	// pollNowTimeout bounds a poll run on request, within the client's
	// 30-second timeout. A longer sweep keeps what it took in and is
	// finished by the scheduled poll.
	pollNowTimeout = 25 * time.Second
)

// AccountHandlers serves the channel account endpoints. Credentials go in
// and never come out: answers name only which credential fields are set.
type AccountHandlers struct {
	accounts *Accounts
	poller   *Poller
}

// NewAccountHandlers returns the channel account handlers.
func NewAccountHandlers(accounts *Accounts, poller *Poller) *AccountHandlers {
	return &AccountHandlers{accounts: accounts, poller: poller}
}

// Create answers POST /api/v1/channel-accounts with 201.
func (h *AccountHandlers) Create(c *fiber.Ctx) error {
	var req api.CreateChannelAccountRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	a, err := h.accounts.Create(c.UserContext(), identity.PrincipalOf(c).TenantID, req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

// List answers GET /api/v1/channel-accounts.
func (h *AccountHandlers) List(c *fiber.Ctx) error {
	as, err := h.accounts.List(c.UserContext(), identity.PrincipalOf(c).TenantID)
	if err != nil {
		return err
	}
	return c.JSON(api.ChannelAccountList{Accounts: as})
}

// Get answers GET /api/v1/channel-accounts/{id}.
func (h *AccountHandlers) Get(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.accounts.Get(c.UserContext(), identity.PrincipalOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(a)
}

// Update answers PATCH /api/v1/channel-accounts/{id}: name, base URL,
// enabled, or credentials (replaced whole).
func (h *AccountHandlers) Update(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	var req api.UpdateChannelAccountRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	a, err := h.accounts.Update(c.UserContext(), identity.PrincipalOf(c).TenantID, id, req)
	if err != nil {
		return err
	}
	return c.JSON(a)
}

// Test answers POST /api/v1/channel-accounts/{id}/test. A connection the
// channel refuses is a successful answer with ok false and the channel's
// words; only an unknown account is an error. Disabled accounts can be
// tested, so credentials can be checked before enabling them.
func (h *AccountHandlers) Test(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), testTimeout)
	defer cancel()
	conn, _, err := h.accounts.Conn(ctx, identity.PrincipalOf(c).TenantID, id)
	if err != nil {
		return wrapAccountErr(err)
	}
	cx, ok := h.poller.reg.Connector(conn.Kind)
	if !ok {
		return c.JSON(api.ConnectionTest{OK: false, Message: "this server has no connector for " + conn.Kind + " accounts"})
	}
	if err := cx.Test(ctx, conn); err != nil {
		return c.JSON(api.ConnectionTest{OK: false, Message: describeCallErr(ctx, err, testTimeout)})
	}
	return c.JSON(api.ConnectionTest{OK: true, Message: "connected to " + conn.Kind})
}

// Poll answers POST /api/v1/channel-accounts/{id}/poll: one poll, now,
// with what it did.
func (h *AccountHandlers) Poll(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), pollNowTimeout)
	defer cancel()
	res, err := h.poller.PollAccount(ctx, identity.PrincipalOf(c).TenantID, id)
	if err == nil {
		return c.JSON(res)
	}
	var th *Throttled
	var ce *channelError
	switch {
	case errors.Is(err, ErrAccountNotFound):
		return wrapAccountErr(err)
	case errors.Is(err, ErrAccountDisabled):
		return apperr.Conflict("the channel account is disabled; enable it to poll it")
	case errors.Is(err, ErrNoConnector):
		return apperr.Conflict("this server has no order connector for this account's kind")
	case errors.As(err, &th):
		secs := int(math.Ceil(th.RetryAfter.Seconds()))
		return apperr.RateLimited(max(secs, 1), "%s; the next poll waits for it", th.Error())
	case ctx.Err() != nil:
		return apperr.Unavailable(err, "the poll did not finish within %s; the orders taken in so far are kept and the scheduled poll continues", pollNowTimeout)
	case errors.As(err, &ce):
		return apperr.Unavailable(err, "the poll failed: %s", describeCallErr(ctx, err, pollNowTimeout))
	}
	return err
}

// describeCallErr puts a failed channel call in words a person can act on.
func describeCallErr(ctx context.Context, err error, limit time.Duration) string {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("the channel did not answer within %s", limit)
	}
	return err.Error()
}
