import { defineStore } from 'pinia'
import { onScopeDispose, ref, watch } from 'vue'
import type { ConversationView, GroupView, Result } from '../../../shared/bridge'
import { isModerator, type Role } from '../../../shared/group-rules'
import { useBridge } from '../bridge/provide'
import { useConversationsStore } from './conversations'
import { normalizeUsername } from '../../../shared/protocol'
import { useSessionStore } from './session'

/**
 * Group rosters, as main holds them: fetched when a group is opened, kept current by
 * `group:changed`. Every change goes through main to the server, which decides.
 */
export const useGroupsStore = defineStore('groups', () => {
  const bridge = useBridge()
  const session = useSessionStore()
  const conversations = useConversationsStore()

  const byId = ref<Record<string, GroupView>>({})

  function group(conversationId: string): GroupView | null {
    return byId.value[conversationId] ?? null
  }

  /** My role in a group (null: not a member, or not loaded yet). */
  function myRole(conversationId: string): Role | null {
    return byId.value[conversationId]?.myRole ?? null
  }

  function moderates(conversationId: string): boolean {
    return isModerator(myRole(conversationId))
  }

  function keep(result: Result<GroupView>): Result<GroupView> {
    if (result.ok) byId.value[result.value.conversationId] = result.value
    return result
  }

  async function load(conversationId: string): Promise<Result<GroupView>> {
    return keep(await bridge.getGroup({ conversationId }))
  }

  async function create(name: string, members: readonly string[]): Promise<Result<ConversationView>> {
    const result = await bridge.createGroup({ name: name.trim(), members: members.map(normalizeUsername) })
    if (result.ok) {
      conversations.upsert(result.value)
      conversations.select(result.value.id)
      void load(result.value.id)
    }
    return result
  }

  const addMembers = async (conversationId: string, usernames: readonly string[]) =>
    keep(await bridge.addMembers({ conversationId, usernames: usernames.map(normalizeUsername) }))
  const removeMember = async (conversationId: string, username: string) =>
    keep(await bridge.removeMember({ conversationId, username }))
  const leave = async (conversationId: string) => keep(await bridge.leaveGroup({ conversationId }))
  const setRole = async (conversationId: string, username: string, role: Role) =>
    keep(await bridge.setRole({ conversationId, username, role }))

  const off = bridge.on('group:changed', ({ group }) => {
    byId.value[group.conversationId] = group
  })
  onScopeDispose(off)

  watch(
    () => session.user,
    (user, previous) => {
      if (user !== previous) byId.value = {}
    },
  )
  // Events may have been missed while the link to main was down: read again what is shown.
  watch(
    () => session.resyncCount,
    () => {
      if (session.user) for (const id of Object.keys(byId.value)) void load(id)
    },
  )

  return { byId, group, myRole, moderates, load, create, addMembers, removeMember, leave, setRole }
})
