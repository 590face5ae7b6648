import { registry } from "@web/core/registry";
import { openSupportMenu } from "@it_support_time/../tests/tours/support_tour_steps";

// A technician back from a customer logs the trip from the support task: the van he drives
// is proposed, he enters the distance and confirms; the task lists the confirmed trip and
// its odometer continues from the van's last reading.
registry.category("web_tour.tours").add("it_support_time_log_trip", {
    url: "/odoo",
    steps: () => [
        ...openSupportMenu("menu_support_operations", "Operations", "project_task_menu_support", "the support tasks"),
        {
            content: "Show them as a list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Unfold the tasks without a stage",
            trigger: ".o_group_header:contains('None')",
            run: "click",
        },
        {
            content: "Open a maintenance task",
            trigger: ".o_data_row td[name='name']:contains('Server and network maintenance')",
            run: "click",
        },
        {
            content: "Open the task's Trips tab",
            trigger: ".o_notebook_headers a[name='support_trips']",
            run: "click",
        },
        {
            content: "Log a trip",
            trigger: "button[name='action_support_log_trip']",
            run: "click",
        },
        {
            content: "The van the technician drives is proposed",
            trigger: ".modal .o_field_widget[name='vehicle_id'] input",
            run: function () {
                const value = this.anchor.value;
                if (!value.includes("GT-482-KV")) {
                    throw new Error(`expected the demo van, got "${value}"`);
                }
            },
        },
        {
            content: "Enter the distance driven",
            trigger: ".modal .o_field_widget[name='distance'] input",
            run: "edit 27",
        },
        {
            content: "Confirm the trip",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "Back on the task, the trip is listed as confirmed",
            trigger:
                ".o_field_widget[name='support_trip_ids'] .o_data_row:contains('27.00'):contains('Confirmed')",
        },
        {
            content: "Open it",
            trigger:
                ".o_field_widget[name='support_trip_ids'] .o_data_row:contains('27.00') td[name='purpose']",
            run: "click",
        },
        {
            content: "The odometer continued from the van's last reading (48,412 km)",
            trigger: ".modal .o_field_widget[name='odometer_end']:contains('48,439.00')",
        },
        {
            content: "Close the trip",
            trigger: ".modal .btn-close",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});

// A manager opens the demo van in Fleet: its trips button, mileage rate and mileage log.
registry.category("web_tour.tours").add("it_support_time_vehicle_mileage", {
    url: "/odoo",
    steps: () => [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button:enabled",
            run: "click",
        },
        {
            content: "Open Fleet",
            trigger: ".o_app[data-menu-xmlid='fleet.menu_root']",
            run: "click",
        },
        {
            content: "Open the demo van",
            trigger: ".o_kanban_record:contains('GT-482-KV')",
            run: "click",
        },
        {
            content: "Show the stat buttons that do not fit",
            trigger: ".o-form-buttonbox .o_button_more",
            run: "click",
        },
        {
            content: "The trips button shows the distance driven this year",
            trigger: "button[name='action_view_support_trips']:contains('Trips'):contains('this year')",
        },
        {
            content: "The van has its own mileage rate",
            trigger: ".o_field_widget[name='support_mileage_rate'] input",
        },
        {
            content: "Ask for the mileage log",
            trigger: "button[name='action_support_mileage_log']",
            run: "click",
        },
        {
            content: "The wizard asks the year for the van",
            trigger: ".modal .o_field_widget[name='vehicle_id'] input",
            run: function () {
                if (!this.anchor.value.includes("GT-482-KV")) {
                    throw new Error(`expected the van, got "${this.anchor.value}"`);
                }
            },
        },
        {
            content: "The year is shown as a year",
            trigger: ".modal .o_field_widget[name='year'] input",
            run: function () {
                if (!/^\d{4}$/.test(this.anchor.value)) {
                    throw new Error(`expected a plain year, got "${this.anchor.value}"`);
                }
            },
        },
        {
            content: "It offers the PDF and the list to export",
            trigger: ".modal button[name='action_print'] ~ button[name='action_open_list']",
        },
        {
            content: "Close it",
            trigger: ".modal .modal-footer button:contains('Cancel')",
            run: "click",
        },
        {
            content: "Show the stat buttons again",
            trigger: "body:not(:has(.modal)) .o-form-buttonbox .o_button_more",
            run: "click",
        },
        {
            content: "Open the van's trips",
            trigger: "button[name='action_view_support_trips']",
            run: "click",
        },
        {
            // the demo trips are 2 to 24 days old: in January they span two years
            content: "They are listed by year: the van's 5 trips under the years driven",
            trigger: ".o_list_view .o_group_header",
            run: function () {
                const headers = [
                    ...document.querySelectorAll(".o_list_view .o_group_header .o_group_name"),
                ].map((cell) => cell.textContent.replace(/\s+/g, " ").trim());
                let trips = 0;
                for (const header of headers) {
                    const match = /^(\d{4}) \((\d+)\)$/.exec(header);
                    if (!match) {
                        throw new Error(`expected a year and its trips, got "${header}"`);
                    }
                    trips += Number(match[2]);
                }
                if (trips !== 5) {
                    throw new Error(`expected the van's 5 trips, got ${headers.join(", ")}`);
                }
            },
        },
    ],
});
