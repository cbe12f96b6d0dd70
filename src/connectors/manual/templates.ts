/**
 * Task templates for equipment and access no API reaches (seed 001: "retrieving and reassigning
 * organizational-supplied equipment, including cell phones, laptops, …", and door badges). A team
 * switches one on with one line in the systems file (`- template: laptop`), naming its attesters;
 * any field of the entry overrides the template's.
 */
export interface TaskTemplate {
  name: string;
  instructions: string;
}

export const TASK_TEMPLATES: Readonly<Record<string, TaskTemplate>> = {
  laptop: {
    name: 'Laptop',
    instructions:
      'Retrieve the company laptop and its charger, record its asset tag, then wipe it or lock it in the device management console before it is reassigned.',
  },
  phone: {
    name: 'Company phone',
    instructions:
      'Retrieve the company phone and SIM, remove it from the mobile device management console (or wipe it remotely if it is not returned), and end or transfer its line.',
  },
  badge: {
    name: 'Door badge',
    instructions: 'Disable the badge in the access-control console and collect the physical badge.',
  },
};
