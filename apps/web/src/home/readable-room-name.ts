/** Names for new documents that are easy to read aloud and type: `brave-otter-42`. */
import { isValidRoomName } from '@tandem/protocol'

const adjectives = [
  'amber',
  'brave',
  'bright',
  'calm',
  'clever',
  'cosy',
  'eager',
  'gentle',
  'golden',
  'happy',
  'jolly',
  'keen',
  'lively',
  'lucky',
  'merry',
  'misty',
  'nimble',
  'quiet',
  'rapid',
  'silver',
  'sunny',
  'swift',
  'tidy',
  'witty',
] as const

const animals = [
  'otter',
  'badger',
  'heron',
  'lynx',
  'panda',
  'owl',
  'robin',
  'seal',
  'tiger',
  'wombat',
  'falcon',
  'koala',
  'hare',
  'beaver',
  'crane',
  'dolphin',
  'gecko',
  'moose',
  'puffin',
  'fox',
  'bison',
  'marten',
  'newt',
  'yak',
] as const

/** A random `adjective-animal-NN` room name (NN from 10 to 99), always a valid room name. */
export function readableRoomName(random: () => number = Math.random): string {
  const adjective = adjectives[Math.floor(random() * adjectives.length) % adjectives.length]!
  const animal = animals[Math.floor(random() * animals.length) % animals.length]!
  const number = 10 + (Math.floor(random() * 90) % 90)
  const name = `${adjective}-${animal}-${number}`
  if (!isValidRoomName(name)) throw new Error(`generated an invalid room name: ${name}`)
  return name
}
