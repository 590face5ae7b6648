import { registry } from "@web/core/registry";
import { openSupportMenu } from "@it_support_time/../tests/tours/support_tour_steps";

// The shop's manager asks which customers cost and earn what: Support › Analysis, the
// saved filter "Cost vs revenue by customer", the graph; then a customer's smart button
// opens the analysis of that customer's last 12 months.
registry.category("web_tour.tours").add("it_support_time_support_analysis", {
    url: "/odoo",
    steps: () => [
        ...openSupportMenu("menu_support_analysis", "Analysis", "support_profitability_report_menu", "the support analysis"),
        {
            content: "The pivot shows hours, cost, revenue and margin per customer",
            trigger: ".o_pivot th.o_pivot_measure_row:contains('Margin (%)')",
        },
        {
            content: "Open the search options",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Apply the saved filter Cost vs revenue by customer",
            trigger: ".o_favorite_menu .o_menu_item:contains('Cost vs revenue by customer')",
            run: "click",
        },
        {
            content: "Its measures are shown: labour and mileage costs next to the revenue",
            trigger: ".o_pivot th.o_pivot_measure_row:contains('Mileage Cost')",
        },
        {
            content: "A demo customer is a row",
            trigger: ".o_pivot th.o_pivot_header_cell_closed:contains('Acme Dental')",
        },
        {
            content: "Switch to the graph",
            trigger: ".o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "The graph shows the margin by customer as bars",
            trigger: ".o_graph_view .o_graph_renderer canvas",
        },
        {
            content: "Open the customer of the demo dental clinic",
            trigger: ".o_graph_view",
            run: "goToUrl /odoo/action-base.action_partner_form",
        },
        {
            content: "Search for it",
            trigger: ".o_searchview_input",
            run: "edit Acme Dental",
        },
        {
            content: "Validate the search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Open it",
            trigger: ".o_kanban_record:contains('Acme Dental')",
            run: "click",
        },
        {
            content: "The smart button shows the support of the last 12 months",
            trigger: "button[name='action_view_support_analysis']:contains('Support, 12 months')",
            run: "click",
        },
        {
            content: "The analysis of that customer opens, by support type",
            trigger: ".o_breadcrumb:contains('Support Analysis: Acme Dental')",
        },
        {
            content: "Its rows are the customer's support types",
            trigger: ".o_pivot th.o_pivot_header_cell_closed:contains('Remote')",
        },
    ],
});
