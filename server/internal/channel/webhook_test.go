package channel_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/shared/api"
)

// webhookApp mounts the receiver as the web layer does, outside any sign-in.
func (x *intakeFixture) webhookApp() *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: testErrors})
	app.Post("/webhooks/:kind/:account/:token", x.webhooks.Receive)
	return app
}

// deliver posts a webhook body to path, signed with secret unless it is
// empty, and returns the status and body of the answer.
func (x *intakeFixture) deliver(app *fiber.App, path, secret, delivery string, body []byte) (int, string) {
	x.t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(sigHeader, sign(secret, body))
	}
	if delivery != "" {
		req.Header.Set(deliveryHeader, delivery)
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func orderEvent(external string) []byte {
	return []byte(fmt.Sprintf(`{"topic":"order.created","order_id":%q}`, external))
}

func (x *intakeFixture) deliveries(tenant uuid.UUID) int {
	x.t.Helper()
	return x.count(tenant, `SELECT count(*) AS n FROM channel_webhook_deliveries WHERE tenant_id = ?`, tenant)
}

// TestWebhookSignature: a forged or missing signature is 401 and nothing is
// stored or queued.
func TestWebhookSignature(t *testing.T) {
	x := newIntakeFixture(t)
	a := x.connect(x.tenant)
	x.cx.put(uuid.MustParse(a.ID), channelOrder("PO-1", line("1", "CH-1", 1, 100)))
	app := x.webhookApp()
	body := orderEvent("PO-1")
	for name, secret := range map[string]string{"missing": "", "forged": "whsec-guessed", "another account's": x.secrets[x.connect(x.tenant).ID]} {
		status, answer := x.deliver(app, a.WebhookPath, secret, "d-1", body)
		if status != 401 || !strings.Contains(answer, `"error"`) {
			t.Errorf("%s signature: %d %s, want 401 in the error envelope", name, status, answer)
		}
	}
	// A signature over another body.
	req := httptest.NewRequest("POST", a.WebhookPath, strings.NewReader(string(orderEvent("PO-2"))))
	req.Header.Set(sigHeader, sign(x.secrets[a.ID], body))
	if resp, _ := app.Test(req, -1); resp.StatusCode != 401 {
		t.Errorf("signature of another body: %d, want 401", resp.StatusCode)
	}
	if n := x.deliveries(x.tenant); n != 0 {
		t.Fatalf("%d deliveries stored", n)
	}
	if n := len(x.jobs.tasks(channel.TaskWebhookOrder)); n != 0 {
		t.Fatalf("%d tasks queued", n)
	}
	x.runJobsOK()
	if n := len(x.ordersOf(x.tenant, a.ID)); n != 0 {
		t.Fatalf("%d orders created", n)
	}
}

// TestWebhookDeliveredTenTimesIsOneOrder: the same delivery ten times is one
// delivery, one task and one order; ten deliveries about one order are
// still one order, acknowledged once.
func TestWebhookDeliveredTenTimesIsOneOrder(t *testing.T) {
	x := newIntakeFixture(t)
	p := x.product("SKU-1", 10)
	a := x.connect(x.tenant)
	x.listing(uuid.MustParse(a.ID), "CH-1", "SKU-1")
	x.cx.put(uuid.MustParse(a.ID), channelOrder("PO-1", line("1", "CH-1", 2, 100)))
	app := x.webhookApp()
	for i := range 10 {
		status, answer := x.deliver(app, a.WebhookPath, x.secrets[a.ID], "delivery-1", orderEvent("PO-1"))
		want, reply := 202, "queued"
		if i > 0 {
			want, reply = 200, "duplicate"
		}
		var r channel.WebhookReply
		_ = json.Unmarshal([]byte(answer), &r)
		if status != want || r.Status != reply {
			t.Fatalf("delivery %d: %d %s, want %d %s", i+1, status, answer, want, reply)
		}
	}
	if n := x.deliveries(x.tenant); n != 1 {
		t.Fatalf("%d delivery rows, want 1", n)
	}
	if n := len(x.jobs.tasks(channel.TaskWebhookOrder)); n != 1 {
		t.Fatalf("%d tasks queued, want 1", n)
	}
	x.runJobsOK()
	for i := range 10 {
		if status, _ := x.deliver(app, a.WebhookPath, x.secrets[a.ID], fmt.Sprintf("delivery-%d", i+2), orderEvent("PO-1")); status != 202 {
			t.Fatalf("distinct delivery %d: %d", i+2, status)
		}
	}
	x.runJobsOK()
	got := x.ordersOf(x.tenant, a.ID)
	if len(got) != 1 || got["PO-1"].Status != api.StatusAllocated {
		t.Fatalf("orders: %+v", got)
	}
	if x.allocated(p) != 2 || x.cx.acks("PO-1") != 1 || x.cx.fetchOne != 11 {
		t.Fatalf("allocated %d, acknowledged %d times, fetched %d times", x.allocated(p), x.cx.acks("PO-1"), x.cx.fetchOne)
	}
	// A ping concerns no order: stored, nothing queued.
	if status, answer := x.deliver(app, a.WebhookPath, x.secrets[a.ID], "ping-1", []byte(`{"topic":"ping"}`)); status != 200 || !strings.Contains(answer, "ignored") {
		t.Fatalf("ping: %d %s", status, answer)
	}
	if n := len(x.jobs.tasks(channel.TaskWebhookOrder)); n != 0 {
		t.Fatalf("a ping queued %d tasks", n)
	}
	// A delivery without an id is deduplicated by its body.
	for range 3 {
		x.deliver(app, a.WebhookPath, x.secrets[a.ID], "", orderEvent("PO-1"))
	}
	if n := len(x.jobs.tasks(channel.TaskWebhookOrder)); n != 1 {
		t.Fatalf("three deliveries of one body without an id queued %d tasks, want 1", n)
	}
}

// TestWebhookAndPollOfOneOrder: the order a webhook took in is the order the
// next poll finds, and the other way round.
func TestWebhookAndPollOfOneOrder(t *testing.T) {
	x := newIntakeFixture(t)
	a := x.connect(x.tenant)
	id := uuid.MustParse(a.ID)
	x.cx.put(id, channelOrder("PO-1", line("1", "CH-1", 1, 100)))
	app := x.webhookApp()
	if status, _ := x.deliver(app, a.WebhookPath, x.secrets[a.ID], "d-1", orderEvent("PO-1")); status != 202 {
		t.Fatalf("webhook: %d", status)
	}
	x.runJobsOK()
	if res := x.poll(a); res.Fetched != 1 || res.Created != 0 {
		t.Fatalf("poll after the webhook: %+v", res)
	}
	x.cx.put(id, channelOrder("PO-2", line("1", "CH-1", 1, 100)))
	if res := x.poll(a); res.Created != 1 {
		t.Fatalf("poll: %+v", res)
	}
	if status, _ := x.deliver(app, a.WebhookPath, x.secrets[a.ID], "d-2", orderEvent("PO-2")); status != 202 {
		t.Fatalf("webhook: %d", status)
	}
	x.runJobsOK()
	if got := x.ordersOf(x.tenant, a.ID); len(got) != 2 {
		t.Fatalf("orders: %v", keys(got))
	}
	if x.cx.acks("PO-1") != 1 || x.cx.acks("PO-2") != 1 {
		t.Fatalf("acknowledgements: %v", x.cx.ackCalls)
	}
	// A cancellation announced by webhook cancels the order.
	c := channelOrder("PO-2", line("1", "CH-1", 1, 100))
	c.Status = channel.OrderCancelled
	x.cx.put(id, c)
	x.deliver(app, a.WebhookPath, x.secrets[a.ID], "d-3", orderEvent("PO-2"))
	x.runJobsOK()
	if got := x.ordersOf(x.tenant, a.ID); got["PO-2"].Status != api.StatusCancelled {
		t.Fatalf("PO-2 is %s after the cancellation webhook", got["PO-2"].Status)
	}
}

// TestWebhookTenantIsolation: a webhook reaches only the account its path
// and token name, in that account's tenant.
func TestWebhookTenantIsolation(t *testing.T) {
	x := newIntakeFixture(t)
	a := x.connect(x.tenant)
	tenantB := x.newTenant()
	b := x.connect(tenantB)
	x.cx.put(uuid.MustParse(a.ID), channelOrder("PO-A", line("1", "CH-1", 1, 100)))
	x.cx.put(uuid.MustParse(b.ID), channelOrder("PO-B", line("1", "CH-1", 1, 100)))
	app := x.webhookApp()
	tokenOf := func(acc api.ChannelAccount) string {
		return acc.WebhookPath[strings.LastIndex(acc.WebhookPath, "/")+1:]
	}
	stock := x.connectKind(x.tenant, shop)
	disabled := x.connect(x.tenant)
	x.setEnabled(uuid.MustParse(disabled.ID), false)

	for name, path := range map[string]string{
		"A's account with B's token": "/webhooks/scripted/" + a.ID + "/" + tokenOf(b),
		"B's account with A's token": "/webhooks/scripted/" + b.ID + "/" + tokenOf(a),
		"a wrong kind":               "/webhooks/" + shop + "/" + a.ID + "/" + tokenOf(a),
		"an unknown account":         "/webhooks/scripted/" + uuid.NewString() + "/" + tokenOf(a),
		"a malformed account":        "/webhooks/scripted/nope/" + tokenOf(a),
		"a channel without webhooks": stock.WebhookPath,
		"a disabled account":         disabled.WebhookPath,
	} {
		secret := x.secrets[a.ID]
		if name == "B's account with A's token" {
			secret = x.secrets[b.ID]
		}
		status, answer := x.deliver(app, path, secret, "d-"+name, orderEvent("PO-A"))
		if status != 404 || !strings.Contains(answer, `"error"`) {
			t.Errorf("%s: %d %s, want 404 in the error envelope", name, status, answer)
		}
	}
	// B's secret does not sign for A's account.
	if status, _ := x.deliver(app, a.WebhookPath, x.secrets[b.ID], "d-x", orderEvent("PO-A")); status != 401 {
		t.Fatalf("A's webhook signed by B: %d, want 401", status)
	}
	if n := len(x.jobs.tasks(channel.TaskWebhookOrder)); n != 0 {
		t.Fatalf("%d tasks queued by refused webhooks", n)
	}
	if status, _ := x.deliver(app, a.WebhookPath, x.secrets[a.ID], "d-a", orderEvent("PO-A")); status != 202 {
		t.Fatalf("A's webhook: %d", status)
	}
	x.runJobsOK()
	if got := x.ordersOf(x.tenant, a.ID); len(got) != 1 {
		t.Fatalf("tenant A's orders: %v", keys(got))
	}
	if list, err := x.orders.List(x.ctx, tenantB, "", "", 100); err != nil || len(list.Orders) != 0 {
		t.Fatalf("tenant B has %d orders (%v)", len(list.Orders), err)
	}
	if x.deliveries(tenantB) != 0 {
		t.Fatal("a delivery was stored in tenant B")
	}
	// A task naming B's tenant and A's account finds no account.
	err := x.webhooks.OrderHandler().ProcessTask(x.ctx, channel.WebhookOrderTask(tenantB, uuid.MustParse(a.ID), "PO-A"))
	if !isSkipRetry(err) {
		t.Fatalf("a task crossing tenants: %v, want SkipRetry", err)
	}
	if list, _ := x.orders.List(x.ctx, tenantB, "", "", 100); len(list.Orders) != 0 {
		t.Fatal("an order was created in tenant B")
	}
}
