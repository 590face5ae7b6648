import { registry } from "@web/core/registry";
import { openSupportMenu } from "@it_support_time/../tests/tours/support_tour_steps";

// An account manager opens the nearly used-up block of the demo dental clinic, reads
// its balance in the widget and renews it through the wizard.
// the hours the wizard proposed, as the balance shows them ("13.00")
let proposed = "";

function showsProposedHours() {
    const text = this.anchor.textContent;
    if (!text.includes(`${proposed} h left`)) {
        throw new Error(`The balance should show ${proposed} h left, not ${text}`);
    }
}

registry.category("web_tour.tours").add("it_support_time_block_renewal", {
    url: "/odoo",
    steps: () => [
        ...openSupportMenu("menu_support_operations", "Operations", "support_block_menu", "Prepaid Blocks"),
        {
            content: "The list shows each block's balance bar",
            trigger: ".o_data_row td[name='hours_remaining'] .o_support_block_balance .progress-bar",
        },
        {
            content: "Open the Acme block",
            trigger: ".o_data_row:has(td[name='po_number']:contains('ACME-PO-2024-118')) td[name='name']",
            run: "click",
        },
        {
            content: "The balance bar is drawn, coloured as past its first alert threshold",
            trigger:
                ".o_form_view .o_field_widget[name='hours_remaining'] .o_support_block_balance[data-level='warning'] .progress-bar.bg-warning",
        },
        {
            content: "The remaining hours are shown as text",
            trigger:
                ".o_form_view .o_field_widget[name='hours_remaining'] .o_support_block_balance_remaining:contains('1.50 h left')",
        },
        {
            content: "Renew the block",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_renew']",
            run: "click",
        },
        {
            content: "The wizard proposes hours from the block's burn rate",
            trigger: ".modal .o_field_widget[name='hours_purchased'] input",
            run() {
                const hours = Number(this.anchor.value);
                if (!(hours > 0) || !Number.isInteger(hours)) {
                    throw new Error(`A whole number of hours should be proposed, not ${this.anchor.value}`);
                }
                proposed = hours.toFixed(2);
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
            content: "The new block renews the Acme block",
            trigger: ".o_form_view .o_field_widget[name='previous_block_id']:contains('BLK/')",
        },
        {
            content: "It is active",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Active')",
        },
        {
            content: "Its balance shows the new hours",
            trigger:
                ".o_form_view .o_field_widget[name='hours_remaining'] .o_support_block_balance_remaining",
            run: showsProposedHours,
        },
        {
            content: "Open the customer",
            trigger: ".o_form_view .o_field_widget[name='partner_id'] a.o_form_uri",
            run: "click",
        },
        {
            content: "The customer's smart button shows its blocks and their balance",
            trigger:
                ".o_form_view button[name='action_view_support_blocks'] .o_support_block_balance .progress-bar",
        },
        {
            content: "Open the customer's blocks",
            trigger: ".o_form_view button[name='action_view_support_blocks']",
            run: "click",
        },
        {
            content: "Open the renewal",
            trigger: ".o_data_row:has(td[name='po_number']:contains('ACME-PO-2025-001')) td[name='name']",
            run: "click",
        },
        {
            content: "Open its task",
            trigger: ".o_form_view .o_field_widget[name='task_id'] a.o_form_uri",
            run: "click",
        },
        {
            content: "The task shows the balance of its block",
            trigger:
                ".o_form_view .o_field_widget[name='support_block_hours_remaining'] .o_support_block_balance_remaining",
            run: showsProposedHours,
        },
    ],
});
