import { registry } from "@web/core/registry";

// A technician opens the calendar's list of meetings, opens last week's review with a
// customer and logs it as support time of its attendees in one tap. The same steps run at
// desktop size and at phone size.
const MEETING = "Quarterly IT review with Acme Dental Clinic";

function meetingSteps({ small }) {
    const logTime = [
        ...(small
            ? [
                  {
                      content: "Phones keep the meeting's buttons behind the bolt",
                      trigger: ".o-form-buttonbox .o_button_more",
                      run: "click",
                  },
              ]
            : []),
        {
            content: "Log Support Time",
            trigger: "button[name='action_support_log_time']",
            run: "click",
        },
    ];
    return [
        {
            content: "The calendar lists the demo meeting with its support task",
            trigger: `.o_data_row:contains('${MEETING}')`,
        },
        {
            content: "Open the meeting",
            trigger: `.o_data_row td[name='name']:contains('${MEETING}')`,
            run: "click",
        },
        {
            content: "Its support task is set",
            trigger: ".o_field_widget[name='support_task_id']:contains('Help desk'), .o_field_widget[name='support_task_id'] input",
        },
        ...logTime,
        {
            content: "The attendees' entries are written",
            trigger: ".o_notification:contains('2 support entries written (3.00 h)')",
        },
        ...(small
            ? []
            : [
                  {
                      content: "The meeting counts them",
                      trigger: "button[name='action_support_view_time'] .o_stat_value:contains('2')",
                  },
              ]),
        ...logTime,
        {
            content: "A second tap writes nothing new and says so",
            trigger: ".o_notification:contains('Nothing new to log')",
        },
    ];
}

registry.category("web_tour.tours").add("it_support_time_meeting", {
    url: "/odoo/calendar?view_type=list",
    steps: () => meetingSteps({ small: false }),
});

registry.category("web_tour.tours").add("it_support_time_meeting_mobile", {
    url: "/odoo/calendar?view_type=list",
    steps: () => meetingSteps({ small: true }),
});

// From the calendar itself: the meeting's popover offers Log Support Time.
registry.category("web_tour.tours").add("it_support_time_meeting_popover", {
    url: "/odoo/calendar",
    steps: () => [
        {
            content: "Open today's meeting with a customer",
            trigger: 'a .fc-event-main:contains("Tour popover review")',
            async run(actions) {
                await actions.click();
                // the calendar waits a moment to tell a click from a double click
                await new Promise((resolve) => setTimeout(resolve, 1000));
            },
        },
        {
            content: "Its popover shows the support task",
            trigger: ".o_cw_popover:contains('Help desk')",
        },
        {
            content: "Log Support Time from the popover",
            trigger: ".o_cw_popover .o_support_log_time",
            run: "click",
        },
        {
            content: "The attendee's entry is written",
            trigger: ".o_notification:contains('1 support entries written (1.00 h)')",
        },
    ],
});
