import { registry } from "@web/core/registry";
import { openSupportMenu } from "@it_support_time/../tests/tours/support_tour_steps";

// A support manager invoices the due first milestone of the demo dental clinic's block
// from Support > Invoicing > Milestones, finds the block's PO on the invoice, then sees
// the milestone invoiced on the block's Milestones tab.
registry.category("web_tour.tours").add("it_support_time_milestone_invoice", {
    url: "/odoo",
    steps: () => [
        ...openSupportMenu("menu_support_invoicing", "Invoicing", "support_block_milestone_menu", "Milestones"),
        {
            content: "The list shows the due milestones",
            trigger: ".o_searchview .o_facet_value:contains('Due')",
        },
        {
            content: "Invoice the Acme milestone now",
            trigger:
                ".o_data_row:has(td[name='po_number']:contains('ACME-PO-2024-118')):has(td[name='name']:contains('50 % on activation')) button[name='action_invoice']",
            run: "click",
        },
        {
            content: "The invoice opens, with the block's PO as its reference",
            trigger: ".o_breadcrumb .active:contains('ACME-PO-2024-118')",
        },
        {
            content: "Its line bills the block",
            trigger:
                ".o_form_view .o_field_widget[name='invoice_line_ids'] .o_data_row td[name='product_id']:contains('Prepaid Support Block (milestone)')",
        },
        {
            content: "It is a draft for the accountant",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Draft')",
        },
        {
            content: "Open Operations",
            trigger: ".o_menu_sections button[data-menu-xmlid='it_support_time.menu_support_operations']",
            run: "click",
        },
        {
            content: "Open Prepaid Blocks",
            trigger: ".dropdown-item[data-menu-xmlid='it_support_time.support_block_menu']",
            run: "click",
        },
        {
            content: "Open the Acme block",
            trigger: ".o_data_row:has(td[name='po_number']:contains('ACME-PO-2024-118')) td[name='name']",
            run: "click",
        },
        {
            content: "Open its Milestones tab",
            trigger: ".o_form_view .o_notebook a[name='milestones']",
            run: "click",
        },
        {
            content: "The first milestone is invoiced, the second one waits for exhaustion",
            trigger:
                ".o_field_widget[name='milestone_ids'] .o_data_row:first:has(td[name='state']:contains('Invoiced')) + .o_data_row td[name='state']:contains('Pending')",
        },
        {
            content: "The block links to its invoice",
            trigger: ".o_form_view button[name='action_view_invoices'] .o_stat_value:contains('1')",
        },
    ],
});
