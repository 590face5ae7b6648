import { registry } from "@web/core/registry";
import { openSupportMenu } from "@it_support_time/../tests/tours/support_tour_steps";

// An account manager works the renewal pipeline: the running blocks of the demo by the
// month they run out, each with its balance and forecast; renews the Acme block from
// its card with the hours proposed from its burn rate, and sees it leave the pipeline.
// The same steps run at desktop size (from the menu) and at phone size (375x667, from
// the screen's address, touch).

const ACME = ".o_kanban_record:contains('ACME-PO-2024-118')";
const RENEWAL = ".o_kanban_record:contains('ACME-PO-2025-001')";

function renewalSteps({ small }) {
    return [
        {
            content: "The pipeline is grouped by the month the blocks run out",
            trigger: ".o_support_renewal_kanban .o_kanban_grouped .o_kanban_group .o_column_title",
        },
        {
            content: "The Acme card shows its balance bar",
            trigger: `${ACME} .o_support_block_balance .progress-bar.bg-warning`,
        },
        {
            content: "and its forecast",
            trigger: `${ACME} .o_support_renewal_forecast:contains('Runs out about')`,
        },
        {
            content: "The balance's tooltip tells the forecast too",
            trigger: `${ACME} .o_support_block_balance[title*='runs out about']`,
        },
        {
            content: "Renew the Acme block from its card",
            trigger: `${ACME} button[name='action_renew']`,
            run: "click",
        },
        {
            content: "The wizard shows the burn rate",
            trigger: ".modal .o_field_widget[name='burn_rate']",
        },
        {
            content: "and proposes the hours from it",
            trigger: ".modal .o_field_widget[name='hours_purchased'] input",
            run() {
                const hours = Number(this.anchor.value);
                if (!(hours > 0) || !Number.isInteger(hours)) {
                    throw new Error(`A whole number of hours should be proposed, not ${this.anchor.value}`);
                }
            },
        },
        {
            content: "Enter the customer's new PO",
            trigger: ".modal .o_field_widget[name='po_number'] input",
            run: "edit ACME-PO-2025-001",
        },
        {
            content: "Confirm the renewal",
            trigger: ".modal-footer button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The new block is open, active",
            trigger:
                ".o_form_view .o_field_widget[name='po_number'] input:value('ACME-PO-2025-001')",
        },
        small
            ? {
                  content: "Back to the pipeline",
                  trigger: ".o_back_button",
                  run: "click",
              }
            : {
                  content: "Back to the pipeline",
                  trigger: ".o_breadcrumb .breadcrumb-item a:contains('Renewals')",
                  run: "click",
              },
        {
            content: "The renewal is in the pipeline",
            trigger: `.o_support_renewal_kanban ${RENEWAL}`,
        },
        {
            content: "and the renewed Acme block has left it",
            trigger: `.o_support_renewal_kanban:not(:has(${ACME}))`,
        },
    ];
}

registry.category("web_tour.tours").add("it_support_time_renewals", {
    url: "/odoo",
    steps: () => [
        ...openSupportMenu("menu_support_operations", "Operations", "support_block_renewal_menu", "Renewals"),
        ...renewalSteps({ small: false }),
    ],
});

registry.category("web_tour.tours").add("it_support_time_renewals_mobile", {
    url: "/odoo/support-renewals",
    steps: () => renewalSteps({ small: true }),
});
