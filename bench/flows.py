"""Fill a database that has it_support_time and its demo data with the module's everyday
flows, as its users run them: quick timers started and stopped, time logged that draws
from and splits prepaid blocks, a block renewed with rollover and one cancelled, trips
confirmed, the scheduled actions run, support invoiced (one invoice posted, one
cancelled), milestones invoiced by hand and by the cron. The test command runs it before
it upgrades and uninstalls the module, so that both happen on a database full of data.

Run through the Odoo shell (it commits at the end and prints ``flows done``)::

    odoo-bin shell -d DB --no-http < bench/flows.py
"""

from datetime import date, timedelta


def main(env):
    env = env(context=dict(env.context, tracking_disable=False))
    ref = env.ref
    marc, julie = ref("it_support_time.user_tech_marc"), ref("it_support_time.user_tech_julie")
    admin = ref("base.user_admin")
    acme = ref("it_support_time.task_acme_helpdesk")
    acme_maintenance = ref("it_support_time.task_acme_maintenance")
    delta = ref("it_support_time.task_deltaarch_helpdesk")
    bright = ref("it_support_time.task_brightlaw_helpdesk")
    Line = env["account.analytic.line"]
    phone = env["support.type"].search([("kind", "=", "phone")], limit=1)
    remote = env["support.type"].search([("kind", "=", "remote")], limit=1)

    # quick timers, each technician on their own
    for user, task in ((marc, acme), (julie, delta), (marc, bright)):
        task.with_user(user).action_support_timer_start()
        task.env["project.task"].with_user(user).action_support_timer_stop(
            description=f"Call about {task.name}", support_type_id=phone.id
        )
    # one timer left running: it belongs to the data the module must keep or drop
    acme_maintenance.with_user(julie).action_support_timer_start()

    # time logged by hand, enough to exhaust and split Acme's block
    for index, task in enumerate((acme, acme_maintenance, delta, bright) * 3):
        Line.with_user(marc if index % 2 else julie).create(
            {
                "name": f"Flow session {index}",
                "project_id": task.project_id.id,
                "task_id": task.id,
                "support_type_id": (phone if index % 3 else remote).id,
                "unit_amount": 1.5 + index % 4,
            }
        )
    # an edit and a deletion re-derive the drawing
    own = Line.with_user(marc).search([("name", "=like", "Flow session %")], limit=2)
    own[0].unit_amount += 0.5
    own[1].unlink()

    # blocks: renew Delta's (rollover), cancel City Bakery's draft, expire one
    Block = env["support.block"].with_user(admin)
    delta_block = ref("it_support_time.block_deltaarch").with_user(admin)
    if not delta_block.renewed_block_id and delta_block.state in ("active", "exhausted"):
        delta_block._support_renew(
            delta_block.hours_purchased, delta_block.price_unit, "PO-FLOW-RENEWAL"
        )
    city = ref("it_support_time.block_citybakery").with_user(admin)
    if city.state == "draft":
        city.action_cancel()
    expiring = Block.create(
        {
            "partner_id": ref("it_support_time.partner_acme").id,
            "po_number": "PO-FLOW-EXPIRED",
            "hours_purchased": 5.0,
            "price_unit": 80.0,
            "date_start": "2020-01-01",
            "date_end": "2020-12-31",
        }
    )
    expiring.action_activate()
    env["support.block"]._cron_expire_blocks()
    env["support.block"]._cron_forecast_blocks()
    env["account.analytic.line"]._cron_stop_overdue_support_timers()

    # milestones: one invoiced now by hand, the rest by the cron
    Milestone = env["support.block.milestone"]
    due = Milestone.search([("state", "=", "due")], limit=1)
    if due:
        due.with_user(admin).action_invoice()
    Milestone._cron_invoice_due()

    # trips: logged from the timer and confirmed
    van = ref("it_support_time.vehicle_demo_van")
    for task, distance in ((acme, 14.0), (delta, 22.5)):
        env["support.trip"].with_user(marc).create_from_timer(
            task.id, van.id, distance=distance, purpose=f"Flow trip to {task.name}", confirm=True
        )

    # invoicing: everything billable up to today, one invoice posted, one cancelled
    accountant = admin
    wizard = (
        env["support.invoice.wizard"]
        .with_user(accountant)
        .create({"date_from": False, "date_to": date.today() + timedelta(days=1)})
    )
    invoices = env["account.move"].browse()
    try:
        action = wizard.action_create_invoices()
        invoices = env["account.move"].search(
            action.get("domain") or [("id", "=", action.get("res_id"))]
        )
    except Exception as error:  # nothing to invoice is a clean refusal
        print(f"invoicing: {error}")
    if invoices:
        invoices[0].action_post()
    if len(invoices) > 1:
        invoices[1].button_cancel()
    env.cr.commit()
    counts = {
        model: env[model].search_count([])
        for model in ("account.analytic.line", "support.block", "support.trip", "account.move")
    }
    print(f"flows done: {counts}, {len(invoices)} support invoices")


if "env" in globals():
    main(globals()["env"])
