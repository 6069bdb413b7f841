/**
 * @file keymap.h
 * @brief Keys as the bytes a terminal sends for them, queued as console
 *        input: what every keyboard driver hands its keys to.
 */
#ifndef DRIVERS_INPUT_KEYMAP_H
#define DRIVERS_INPUT_KEYMAP_H

/** @name Key numbers: Linux's input event codes (which virtio-input sends) */
/** @{ */
#define KEY_LEFTCTRL 29 /**< left Ctrl */
#define KEY_LEFTSHIFT 42 /**< left Shift */
#define KEY_RIGHTSHIFT 54 /**< right Shift */
#define KEY_LEFTALT 56 /**< left Alt */
#define KEY_CAPSLOCK 58 /**< Caps Lock */
#define KEY_KPENTER 96 /**< the keypad's Enter */
#define KEY_RIGHTCTRL 97 /**< right Ctrl */
#define KEY_KPSLASH 98 /**< the keypad's / */
#define KEY_RIGHTALT 100 /**< right Alt (AltGr) */
#define KEY_HOME 102 /**< Home */
#define KEY_UP 103 /**< up arrow */
#define KEY_PAGEUP 104 /**< Page Up */
#define KEY_LEFT 105 /**< left arrow */
#define KEY_RIGHT 106 /**< right arrow */
#define KEY_END 107 /**< End */
#define KEY_DOWN 108 /**< down arrow */
#define KEY_PAGEDOWN 109 /**< Page Down */
#define KEY_INSERT 110 /**< Insert */
#define KEY_DELETE 111 /**< Delete */
/** @} */

/**
 * @brief Key @p code (above) went down (@p down 1, or 2: repeated) or up (0).
 *
 * US layout: Shift, Ctrl (the control characters), Alt (an ESC before the
 * key), Caps Lock; the arrows, Home, End, Insert, Delete, Page Up and Down
 * as xterm's sequences; the keys a terminal has no byte for are dropped.
 * The bytes go where the serial console's go (console_rx_push()), as far
 * as the queue has room.
 * @note From a keyboard's interrupt handler, or with interrupts masked;
 *       the keyboards' calls are serialised here.
 */
void keymap_key(unsigned code, int down);

#endif
