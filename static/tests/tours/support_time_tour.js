import { registry } from "@web/core/registry";
import { openSupportMenu } from "@it_support_time/../tests/tours/support_tour_steps";

// A technician opens the Support app, finds the support time of the demo shop and sees
// worked and billed hours side by side.
registry.category("web_tour.tours").add("it_support_time_support_time", {
    url: "/odoo",
    steps: () => [
        ...openSupportMenu("menu_support_operations", "Operations", "account_analytic_line_menu_support", "Support Time"),
        {
            content: "Remove the default 'this month' filter",
            trigger: ".o_searchview .o_facet_remove",
            run: "click",
        },
        {
            content: "The list shows the billed hours column",
            trigger: ".o_list_view th[data-name='billed_hours']",
        },
        {
            content: "A demo entry of the tour's customer is listed with its support type",
            trigger: ".o_data_row td[name='support_type_id']:contains('Remote Support')",
        },
        {
            content: "Its billed hours are shown next to the worked time",
            trigger:
                ".o_data_row:has(td[name='support_type_id']:contains('Remote Support')) td[name='billed_hours']:contains(':')",
        },
    ],
});
